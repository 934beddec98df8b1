// Chinese and English labels. Chinese is the default; the choice is kept in
// localStorage. Names on the ledger are written "English (中文)"; `localName` shows the
// part in the chosen language.

const KEY = 'kuai.explorer.lang';

const zh = {
  'app.title': '块 · 政务数据共享链浏览器',
  'app.name': '块 · 政务数据共享链',
  'app.subtitle': '区块链浏览器',
  'app.toggle': 'English',
  'app.footer': '块 (Kuai) · 政务数据共享与开放许可链 · 本页数据均来自本节点 /v1 接口',
  'nav.overview': '总览', 'nav.catalog': '资源目录', 'nav.requests': '共享申请', 'nav.audit': '访问审计',
  'nav.orgs': '机构与考核', 'nav.governance': '治理', 'nav.open': '开放数据',
  'common.loading': '加载中…', 'common.none': '暂无记录', 'common.all': '全部', 'common.reset': '重置',
  'common.error': '无法加载', 'common.back_home': '返回总览', 'common.not_found': '页面不存在',
  'common.no_page': '没有页面 {path}', 'common.refresh': '刷新',
  'common.live': '实时', 'common.live_title': '随区块提交自动更新',
  'search.placeholder': '区块高度 / 区块哈希 / 交易哈希 / 机构 / 目录 / 申请编号',
  'search.button': '搜索', 'search.results': '“{q}” 的搜索结果', 'search.kind': '类型', 'search.id': '编号',
  'search.label': '说明', 'search.nothing': '没有找到与“{q}”相关的记录',
  'search.help': '可输入：区块高度、64 位区块或交易哈希、成员公钥、统一社会信用代码、机构或目录名称的一部分、目录 / 申请 / 授权编号。',
  'time.future': '刚刚', 'time.seconds': '{n} 秒前', 'time.minutes': '{n} 分钟前', 'time.hours': '{n} 小时前', 'time.days': '{n} 天前',
  'unit.minute': '分钟', 'unit.hour': '小时', 'unit.day': '天', 'unit.week': '周',
  'overview.height': '区块高度', 'overview.latest': '最新区块', 'overview.validators': '验证节点',
  'overview.bft': 'BFT 共识 · 最新区块 {n} 个签名', 'overview.single': '单验证者出块', 'overview.orgs': '成员机构',
  'overview.departments': '其中政府部门 {n} 个', 'overview.entries': '目录条目', 'overview.browse': '浏览目录',
  'overview.pending': '待答复申请', 'overview.overdue_n': '{n} 件已超期', 'overview.none_overdue': '无超期',
  'overview.accesses': '数据访问', 'overview.rows': '共 {n} 行', 'overview.chain': '链信息',
  'overview.chain_id': '链标识', 'overview.latest_hash': '最新区块哈希', 'overview.latest_time': '最新出块时间',
  'overview.genesis': '创世区块哈希', 'overview.mempool': '待打包交易', 'overview.version': '节点版本',
  'overview.tx_rate': '交易速率', 'overview.tx_per': '交易数 / {unit}',
  'overview.rate_note': '最近 {blocks} 个区块，共 {total} 笔交易，平均每天 {perDay} 笔。',
  'overview.recent': '最近区块', 'overview.all_blocks': '全部区块 ›',
  'val.key': '公钥', 'val.operator': '运营机构', 'val.status': '状态', 'val.proposed': '出块数', 'val.last': '最近出块',
  'val.active': '在线', 'val.signed_recent': '近 {n} 块签名 {k} 次', 'val.absent': '近 {n} 块未参与',
  'overview.last_n': '最近 {n} 块', 'val.proposing': '出块中', 'val.standby': '待命',
  'blocks.title': '区块列表', 'blocks.older': '更早的区块 ›',
  'block.title': '区块', 'block.height': '高度', 'block.time': '时间', 'block.txs': '交易数', 'block.proposer': '出块节点',
  'block.hash': '区块哈希', 'block.parent': '父区块', 'block.tx_root': '交易根', 'block.state_root': '状态根',
  'block.receipts_root': '回执根', 'block.events': '区块事件（到期标记等）', 'block.transactions': '交易',
  'block.prev': '上一块', 'block.next': '下一块',
  'cert.title': '提交证书（验证节点签名）', 'cert.none_badge': '单验证者', 'cert.none': '单验证者出块（无证书）：本区块由唯一的验证节点产生，没有多方签名证书。',
  'cert.signed': '{k}/{n} 个验证节点签名', 'cert.detail': '第 {round} 轮 · 法定签名数 {quorum}', 'cert.signature': '签名',
  'tx.title': '交易', 'tx.hash': '交易哈希', 'tx.status': '状态', 'tx.committed': '已上链', 'tx.pending': '待打包',
  'tx.block': '所在区块', 'tx.index': '第 {i} 笔', 'tx.type': '类型', 'tx.signer': '签名者', 'tx.nonce': '序号 (nonce)',
  'tx.outcome': '执行结果', 'tx.success': '成功', 'tx.rejected': '被拒绝', 'tx.signature': '签名', 'tx.payload': '交易内容',
  'tx.events': '产生的事件',
  'org.title': '成员机构', 'org.name': '机构', 'org.code': '统一社会信用代码', 'org.kind': '类型', 'org.keys': '有效密钥',
  'org.threshold': '审批门限', 'org.threshold_text': '需 {k} 人批准', 'org.registered': '加入区块', 'org.status': '状态',
  'org.genesis': '创世', 'org.removed': '已移除', 'org.active': '有效', 'org.full_name': '全称', 'org.members': '成员密钥',
  'org.role': '角色', 'org.added': '添加于', 'org.key_removed': '已撤销', 'org.rotated_from': '轮换自',
  'org.entries': '提供的目录', 'org.in_catalog': '在目录中查看 ›', 'org.received': '收到的共享申请',
  'org.submitted': '提出的共享申请', 'org.grants': '持有的授权', 'org.audit': '查看其访问记录 ›',
  'score.title': '部门考核', 'score.intro': '按《实施意见》§8.5，从共享范围、数据质量、可用性和及时性考核各部门；数据由链上交易与期限自动计算。',
  'score.entries': '目录条目', 'score.stale': '{n} 条待更新', 'score.received': '收到申请', 'score.on_time_pct': '按时答复率',
  'score.overdue_now': '当前超期', 'score.objections': '疑义处理', 'score.overdue_n': '{n} 件超期', 'score.accesses': '提供访问',
  'score.rows': '提供行数', 'score.submitted': '提出申请', 'score.made': '发起访问 {n} 次',
  'score.answered': '按时 {on} · 逾期 {late}', 'score.chart': '各部门申请答复及时性（按时 / 逾期答复 / 当前超期）',
  'score.on_time': '按时答复', 'score.late': '逾期答复',
  'catalog.title': '政府数据资源目录', 'catalog.count': '显示 {n} 条（共 {total} 条）', 'catalog.empty': '没有符合条件的目录条目',
  'entry.id': '编号', 'entry.name': '名称', 'entry.provider': '提供部门', 'entry.classification': '分类', 'entry.grade': '分级',
  'entry.share_type': '共享类型', 'entry.open_mode': '开放模式', 'entry.version': '版本', 'entry.review': '审核',
  'entry.negative': '负面清单', 'entry.negative_only': '仅负面清单', 'entry.review_overdue': '年审超期', 'entry.update_overdue': '更新超期',
  'entry.full_name': '全称', 'entry.grade_of': '（1 最低 – 4 最高）', 'entry.format': '格式', 'entry.frequency': '更新频度',
  'entry.methods': '共享方式', 'entry.usage': '使用要求', 'entry.legal_basis': '法律依据', 'entry.negative_basis': '负面清单依据',
  'entry.threshold': '审批门限', 'entry.threshold_default': '按部门设置', 'entry.registered': '登记时间', 'entry.updated': '更新时间',
  'entry.review_due': '年审截止', 'entry.update_due': '变更更新截止', 'entry.change_declared': '已申报变更',
  'entry.no_change_declared': '无待更新的变更', 'entry.fields': '数据项', 'entry.field': '数据项', 'entry.sensitivity': '敏感级别',
  'entry.masking': '脱敏规则', 'entry.element': '数据元（一数一源）', 'entry.versions': '版本历史', 'entry.current': '当前',
  'entry.updated_by': '更新者', 'entry.changed': '变更内容', 'entry.first_version': '首次登记', 'entry.no_change': '内容未变',
  'entry.spec': '详情', 'entry.requests': '共享申请', 'entry.grants': '授权', 'entry.accesses': '访问记录',
  'entry.in_audit': '在审计中查看 ›', 'entry.objections': '疑义与纠错',
  'obj.raised_by': '提出方', 'obj.datum': '数据', 'obj.description': '说明', 'obj.due': '答复截止',
  'req.title': '数据共享申请', 'req.intro': '使用部门申请有条件共享的数据，提供部门须在受理后 10 个工作日内答复并说明理由（§5）。期限按工作日计算（含法定节假日与调休）。',
  'req.id': '编号', 'req.entry': '目录', 'req.requester': '申请方', 'req.provider': '提供方', 'req.channel': '渠道',
  'req.submitted': '提交时间', 'req.deadline': '答复期限', 'req.approvals': '批准', 'req.status': '状态',
  'req.empty': '没有符合条件的申请', 'req.workdays_left': '剩余 {n} 个工作日', 'req.due': '截止', 'req.overdue_by': '已超期 {n} 个工作日',
  'req.on_time': '按时答复', 'req.late': '逾期答复', 'req.answered': '答复于', 'req.answered_late': '逾期答复', 'req.overdue': '超期',
  'req.one': '共享申请 #{id}', 'req.approvals_progress': '提供方批准 {k}/{n}', 'req.step_submitted': '提交申请',
  'req.step_review': '提供部门审核', 'req.step_decision': '答复', 'req.step_granted': '同意共享', 'req.step_rejected': '不予共享',
  'req.step_withdrawn': '申请方撤回', 'req.step_overdue': '答复超期', 'req.step_grant': '授权生效',
  'req.withdrawn_note': '申请在答复前被撤回', 'req.overdue_note': '提供部门未在期限内答复，已记入考核', 'req.waiting': '等待提供部门答复',
  'req.details': '申请内容', 'req.fields': '申请数据项', 'req.purpose': '用途', 'req.legal_basis': '依据', 'req.period': '使用期限',
  'req.days': '{n} 天', 'req.grant': '授权', 
  'grant.id': '授权编号', 'grant.fields': '数据项', 'grant.expires': '到期', 'grant.usage': '已用行数', 'grant.grantee': '被授权方',
  'grant.revoked': '已撤销', 'grant.in_force': '有效', 'grant.expired': '已到期', 'grant.purpose': '用途', 'grant.granted': '授权时间',
  'grant.quota_rows': '行数配额（已用 / 上限）', 'grant.quota_calls': '调用配额（已用 / 上限）', 'grant.unlimited': '不限',
  'grant.open': '授权详情 ›', 'grant.title': '授权 #{id}', 'grant.from_request': '来自申请', 'grant.from_agreement': '来自开放协议',
  'audit.title': '数据访问审计', 'audit.intro': '“谁来拿数据，拿数据干什么”：每一次按授权取用数据都记录在链上，包括取用机构与密钥、数据项、行数、用途和查询摘要。',
  'audit.id': '编号', 'audit.time': '时间', 'audit.accessor_org': '取用机构', 'audit.accessor': '取用密钥', 'audit.provider': '提供部门',
  'audit.entry': '目录', 'audit.fields': '数据项', 'audit.rows': '行数', 'audit.purpose': '用途', 'audit.grant': '授权', 'audit.block': '区块',
  'audit.purpose_hint': '用途包含…', 'audit.from': '起始日期', 'audit.to': '截止日期', 'audit.apply': '筛选',
  'audit.export': '导出 CSV', 'audit.events': '访问次数', 'audit.rows_total': '合计行数', 'audit.orgs': '取用机构数',
  'audit.entries': '涉及目录数', 'audit.empty': '没有符合条件的访问记录', 'audit.per_entry': '各目录被访问次数',
  'audit.chart_title': '{n} 次，{rows} 行',
  'gov.proposals': '治理提案', 'gov.intro': '成员机构的增减、验证节点变更、节假日日历、参数调整与合约代码须经治理投票，通过门限为 {pct}%。',
  'gov.id': '编号', 'gov.action': '提案内容', 'gov.proposer': '提案机构', 'gov.submitted': '提交', 'gov.deadline': '投票截止',
  'gov.votes_h': '投票', 'gov.votes': '赞成 {a}/{r}', 'gov.against': '反对 {n}', 'gov.voters': '投票机构', 'gov.status': '状态',
  'gov.parameters': '治理参数', 'gov.validators': '验证节点集合', 'gov.validator_note': '验证节点变更通过后 {d} 个区块生效。',
  'gov.calendars': '节假日日历（工作日计算）', 'gov.year': '年份', 'gov.holidays': '节假日', 'gov.makeup': '调休上班日',
  'gov.dates': '日期', 'gov.no_calendars': '链上尚无节假日日历（按周一至周五计算工作日）',
  'req.decided_by': '决定方', 'req.contract': '策略合约实例 #{id}（链上自动决定）', 'req.raw': '其中要求不脱敏：{f}',
  'contract.title': '策略合约', 'contract.intro': '合约代码须经治理投票批准后方可实例化；提供部门将自己的实例绑定到目录条目后，该条目的共享申请由合约在链上自动决定（批准、驳回或转人工审批）。',
  'contract.id': '实例', 'contract.label': '名称与参数', 'contract.owner': '所属部门', 'contract.code': '代码', 'contract.version': '版本', 'contract.entries': '绑定条目',
  'contract.hash': 'SHA-256', 'contract.size': '大小', 'contract.uploader': '上传机构', 'contract.params': '参数', 'contract.bytes': '{n} 字节',
  'contract.approved': '已批准（提案 #{id}）', 'contract.awaiting': '待治理批准', 'contract.versions': '共 {n} 个版本', 'contract.unbound': '未绑定', 'contract.none': '尚无策略合约',
  'gov.calendar_detail': '{year} 年：{h} 个节假日，{m} 个调休上班日',
  'open.title': '开放数据', 'open.intro': '政府数据按“无条件开放、依申请开放、不予开放”三类开放（§6）。不予开放的数据及其依据同样公开；依申请开放的数据经资格与范围审查后通过接口提供，使用情况在链上可查。',
  'open.n_open': '无条件开放', 'open.n_app': '依申请开放', 'open.n_closed': '不予开放 / 负面清单', 'open.n_agreements': '契约式开放协议',
  'open.open_sets': '无条件开放的数据集', 'open.open_note': '可直接通过平台接口或批量下载获取，无需申请。',
  'open.on_app': '依申请开放的数据集', 'open.how': '如何申请',
  'open.how1': '成为成员：社会主体（大数据运营公司等）经平台运营方提出治理提案、成员机构投票通过后加入，获得应用密钥。',
  'open.how2': '提交申请：写明所需数据项、用途和法律依据。使用命令行工具：',
  'open.how3': '审核答复：提供部门须在 {n} 个工作日内答复，同意或说明不予开放的理由；审核进度与期限在“共享申请”页公开。',
  'open.how4': '获得授权：同意后生成授权，规定数据项、脱敏规则、有效期和行数配额。',
  'open.how5': '使用留痕：每次取用数据都在链上记录，接受“访问审计”监督；发现数据有误可提出疑义，提供部门须核校。',
  'open.cmd_purpose': '用途', 'open.cmd_basis': '法律依据',
  'open.applications': '社会主体的开放申请', 'open.agreements': '契约式开放协议',
  'open.agreements_note': '平台运营方、提供部门与申请方三方签署；协议文本在链下，链上记录其摘要与各方签名。',
  'open.parties': '签署方（运营方 / 提供方 / 申请方）', 'open.signed': '已签', 'open.digest': '文本摘要', 'open.active': '已生效',
  'open.proposed': '待签署', 'open.closed': '不予开放的数据及依据', 'open.basis': '依据', 'open.in_catalog': '在资源目录中查看全部开放数据 ›',
};

const en = {
  'app.title': 'Kuai · government data sharing chain explorer',
  'app.name': 'Kuai · Government Data Sharing Chain',
  'app.subtitle': 'Chain explorer',
  'app.toggle': '中文',
  'app.footer': 'Kuai (块) · permissioned ledger for government data sharing and opening · all data on this page comes from this node\'s /v1 API',
  'nav.overview': 'Overview', 'nav.catalog': 'Catalog', 'nav.requests': 'Share requests', 'nav.audit': 'Access audit',
  'nav.orgs': 'Organizations', 'nav.governance': 'Governance', 'nav.open': 'Open data',
  'common.loading': 'Loading…', 'common.none': 'None', 'common.all': 'All', 'common.reset': 'Reset',
  'common.error': 'Could not load', 'common.back_home': 'Back to the overview', 'common.not_found': 'Page not found',
  'common.no_page': 'There is no page {path}', 'common.refresh': 'Refresh',
  'common.live': 'Live', 'common.live_title': 'Updates as blocks commit',
  'search.placeholder': 'Height / block hash / tx hash / organization / entry / request id',
  'search.button': 'Search', 'search.results': 'Results for “{q}”', 'search.kind': 'Kind', 'search.id': 'Id',
  'search.label': 'Description', 'search.nothing': 'Nothing on the ledger matches “{q}”',
  'search.help': 'Try a block height, a 64-character block or transaction hash, a member key, a credit code, part of an organization or entry name, or an entry / request / grant id.',
  'time.future': 'just now', 'time.seconds': '{n}s ago', 'time.minutes': '{n} min ago', 'time.hours': '{n} h ago', 'time.days': '{n} d ago',
  'unit.minute': 'minute', 'unit.hour': 'hour', 'unit.day': 'day', 'unit.week': 'week',
  'overview.height': 'Block height', 'overview.latest': 'latest block', 'overview.validators': 'Validators',
  'overview.bft': 'BFT consensus · {n} signatures on the latest block', 'overview.single': 'single validator', 'overview.orgs': 'Member organizations',
  'overview.departments': '{n} departments', 'overview.entries': 'Catalog entries', 'overview.browse': 'Browse the catalog',
  'overview.pending': 'Requests awaiting an answer', 'overview.overdue_n': '{n} overdue', 'overview.none_overdue': 'none overdue',
  'overview.accesses': 'Data accesses', 'overview.rows': '{n} rows', 'overview.chain': 'Chain',
  'overview.chain_id': 'Chain id', 'overview.latest_hash': 'Latest block hash', 'overview.latest_time': 'Latest block time',
  'overview.genesis': 'Genesis hash', 'overview.mempool': 'Transactions waiting', 'overview.version': 'Node version',
  'overview.tx_rate': 'Transaction rate', 'overview.tx_per': 'transactions per {unit}',
  'overview.rate_note': 'The last {blocks} blocks hold {total} transactions, {perDay} a day on average.',
  'overview.recent': 'Recent blocks', 'overview.all_blocks': 'All blocks ›',
  'val.key': 'Key', 'val.operator': 'Operator', 'val.status': 'Status', 'val.proposed': 'Blocks proposed', 'val.last': 'Last proposed',
  'val.active': 'active', 'val.signed_recent': 'signed {k} of the last {n} blocks', 'val.absent': 'absent from the last {n} blocks',
  'overview.last_n': 'last {n} blocks', 'val.proposing': 'proposing', 'val.standby': 'standby',
  'blocks.title': 'Blocks', 'blocks.older': 'Older blocks ›',
  'block.title': 'Block', 'block.height': 'Height', 'block.time': 'Time', 'block.txs': 'Transactions', 'block.proposer': 'Proposer',
  'block.hash': 'Block hash', 'block.parent': 'Parent', 'block.tx_root': 'Transaction root', 'block.state_root': 'State root',
  'block.receipts_root': 'Receipts root', 'block.events': 'Block events (deadline marks etc.)', 'block.transactions': 'Transactions',
  'block.prev': 'previous', 'block.next': 'next',
  'cert.title': 'Commit certificate (validator signatures)', 'cert.none_badge': 'single validator', 'cert.none': 'Single validator (no certificate): this block was produced by the only validator, without a multi-party certificate.',
  'cert.signed': 'signed by {k} of {n} validators', 'cert.detail': 'round {round} · quorum {quorum}', 'cert.signature': 'Signature',
  'tx.title': 'Transaction', 'tx.hash': 'Transaction hash', 'tx.status': 'Status', 'tx.committed': 'committed', 'tx.pending': 'pending',
  'tx.block': 'Block', 'tx.index': 'position {i}', 'tx.type': 'Type', 'tx.signer': 'Signer', 'tx.nonce': 'Nonce',
  'tx.outcome': 'Outcome', 'tx.success': 'success', 'tx.rejected': 'rejected', 'tx.signature': 'Signature', 'tx.payload': 'Payload',
  'tx.events': 'Events',
  'org.title': 'Member organizations', 'org.name': 'Organization', 'org.code': 'Credit code', 'org.kind': 'Kind', 'org.keys': 'Active keys',
  'org.threshold': 'Approval threshold', 'org.threshold_text': '{k} approval(s) needed', 'org.registered': 'Joined at', 'org.status': 'Status',
  'org.genesis': 'genesis', 'org.removed': 'removed', 'org.active': 'active', 'org.full_name': 'Full name', 'org.members': 'Member keys',
  'org.role': 'Role', 'org.added': 'Added at', 'org.key_removed': 'removed', 'org.rotated_from': 'Rotated from',
  'org.entries': 'Catalog entries provided', 'org.in_catalog': 'Show in the catalog ›', 'org.received': 'Share requests received',
  'org.submitted': 'Share requests submitted', 'org.grants': 'Grants held', 'org.audit': 'Its accesses in the audit trail ›',
  'score.title': 'Department scorecards', 'score.intro': 'Per §8.5 of the policy, departments are assessed on sharing scope, data quality, availability and timeliness; the numbers are derived on chain from transactions and deadlines.',
  'score.entries': 'Entries', 'score.stale': '{n} need updating', 'score.received': 'Requests received', 'score.on_time_pct': 'Answered on time',
  'score.overdue_now': 'Overdue now', 'score.objections': 'Objections resolved', 'score.overdue_n': '{n} overdue', 'score.accesses': 'Accesses served',
  'score.rows': 'Rows served', 'score.submitted': 'Requests made', 'score.made': '{n} accesses made',
  'score.answered': '{on} on time · {late} late', 'score.chart': 'Requests answered on time, late, and overdue now, per department',
  'score.on_time': 'on time', 'score.late': 'late',
  'catalog.title': 'Government data resource catalog', 'catalog.count': '{n} of {total} entries', 'catalog.empty': 'No entry matches these filters',
  'entry.id': 'Id', 'entry.name': 'Name', 'entry.provider': 'Provider', 'entry.classification': 'Classification', 'entry.grade': 'Grade',
  'entry.share_type': 'Share type', 'entry.open_mode': 'Open mode', 'entry.version': 'Version', 'entry.review': 'Review',
  'entry.negative': 'negative list', 'entry.negative_only': 'Negative list only', 'entry.review_overdue': 'yearly review overdue', 'entry.update_overdue': 'update overdue',
  'entry.full_name': 'Full name', 'entry.grade_of': '(1 lowest – 4 highest)', 'entry.format': 'Format', 'entry.frequency': 'Update frequency',
  'entry.methods': 'Sharing methods', 'entry.usage': 'Usage requirements', 'entry.legal_basis': 'Legal basis', 'entry.negative_basis': 'Negative list basis',
  'entry.threshold': 'Approvals needed', 'entry.threshold_default': 'department setting', 'entry.registered': 'Registered', 'entry.updated': 'Updated',
  'entry.review_due': 'Yearly review due', 'entry.update_due': 'Declared change due', 'entry.change_declared': 'change declared',
  'entry.no_change_declared': 'no pending change', 'entry.fields': 'Fields', 'entry.field': 'Field', 'entry.sensitivity': 'Sensitivity',
  'entry.masking': 'Masking', 'entry.element': 'Data element (one datum, one source)', 'entry.versions': 'Version history', 'entry.current': 'current',
  'entry.updated_by': 'Updated by', 'entry.changed': 'Changed', 'entry.first_version': 'first registration', 'entry.no_change': 'no content change',
  'entry.spec': 'details', 'entry.requests': 'Share requests', 'entry.grants': 'Grants', 'entry.accesses': 'Accesses',
  'entry.in_audit': 'Show in the audit trail ›', 'entry.objections': 'Objections',
  'obj.raised_by': 'Raised by', 'obj.datum': 'Datum', 'obj.description': 'Description', 'obj.due': 'Answer due',
  'req.title': 'Share requests', 'req.intro': 'A using department applies for conditionally shared data; the provider must answer within 10 working days, with reasons (§5). Deadlines count working days, holidays and make-up days included.',
  'req.id': 'Id', 'req.entry': 'Entry', 'req.requester': 'Requester', 'req.provider': 'Provider', 'req.channel': 'Channel',
  'req.submitted': 'Submitted', 'req.deadline': 'Deadline', 'req.approvals': 'Approvals', 'req.status': 'Status',
  'req.empty': 'No request matches', 'req.workdays_left': '{n} working days left', 'req.due': 'due', 'req.overdue_by': 'overdue by {n} working days',
  'req.on_time': 'answered on time', 'req.late': 'answered late', 'req.answered': 'answered', 'req.answered_late': 'late', 'req.overdue': 'overdue',
  'req.one': 'Share request #{id}', 'req.approvals_progress': 'Provider approvals {k} of {n}', 'req.step_submitted': 'Submitted',
  'req.step_review': 'Provider review', 'req.step_decision': 'Answer', 'req.step_granted': 'Granted', 'req.step_rejected': 'Rejected',
  'req.step_withdrawn': 'Withdrawn by the requester', 'req.step_overdue': 'Answer overdue', 'req.step_grant': 'Grant in force',
  'req.withdrawn_note': 'The request was withdrawn before an answer', 'req.overdue_note': 'The provider did not answer in time; this counts in its scorecard', 'req.waiting': 'Waiting for the provider',
  'req.details': 'The request', 'req.fields': 'Fields', 'req.purpose': 'Purpose', 'req.legal_basis': 'Legal basis', 'req.period': 'Period of use',
  'req.days': '{n} days', 'req.grant': 'Grant',
  'grant.id': 'Grant', 'grant.fields': 'Fields', 'grant.expires': 'Expires', 'grant.usage': 'Rows used', 'grant.grantee': 'Grantee',
  'grant.revoked': 'revoked', 'grant.in_force': 'in force', 'grant.expired': 'expired', 'grant.purpose': 'Purpose', 'grant.granted': 'Granted',
  'grant.quota_rows': 'Row quota (used / limit)', 'grant.quota_calls': 'Call quota (used / limit)', 'grant.unlimited': 'unlimited',
  'grant.open': 'Grant details ›', 'grant.title': 'Grant #{id}', 'grant.from_request': 'From request', 'grant.from_agreement': 'From opening agreement',
  'audit.title': 'Access audit trail', 'audit.intro': '“Who takes the data, and for what”: every delivery of data under a grant is on the ledger, with the organization and key that took it, the fields, the rows, the purpose and a digest of the query.',
  'audit.id': 'Id', 'audit.time': 'Time', 'audit.accessor_org': 'Accessing organization', 'audit.accessor': 'Key', 'audit.provider': 'Provider',
  'audit.entry': 'Entry', 'audit.fields': 'Fields', 'audit.rows': 'Rows', 'audit.purpose': 'Purpose', 'audit.grant': 'Grant', 'audit.block': 'Block',
  'audit.purpose_hint': 'purpose contains…', 'audit.from': 'From', 'audit.to': 'To', 'audit.apply': 'Filter',
  'audit.export': 'Export CSV', 'audit.events': 'Accesses', 'audit.rows_total': 'Rows in total', 'audit.orgs': 'Organizations',
  'audit.entries': 'Entries', 'audit.empty': 'No access matches', 'audit.per_entry': 'Accesses per entry',
  'audit.chart_title': '{n} accesses, {rows} rows',
  'gov.proposals': 'Governance proposals', 'gov.intro': 'Adding or removing members, changing validators, holiday calendars, parameters and contract code need a governance vote; a proposal passes with {pct}% of the governing organizations.',
  'gov.id': 'Id', 'gov.action': 'Proposal', 'gov.proposer': 'Proposer', 'gov.submitted': 'Submitted', 'gov.deadline': 'voting ends',
  'gov.votes_h': 'Votes', 'gov.votes': '{a} of {r} approvals', 'gov.against': '{n} against', 'gov.voters': 'who voted', 'gov.status': 'Status',
  'gov.parameters': 'Parameters', 'gov.validators': 'Validator set', 'gov.validator_note': 'A validator change takes effect {d} blocks after it passes.',
  'gov.calendars': 'Holiday calendars (working-day clocks)', 'gov.year': 'Year', 'gov.holidays': 'Holidays', 'gov.makeup': 'Make-up working days',
  'gov.dates': 'dates', 'gov.no_calendars': 'No calendar on the ledger (working days are Monday to Friday)',
  'req.decided_by': 'Decided by', 'req.contract': 'policy contract instance #{id} (on chain)', 'req.raw': 'asked unmasked: {f}',
  'contract.title': 'Policy contracts', 'contract.intro': 'Contract code runs only after a governance vote approves it; once a providing department binds its instance to a catalog entry, share requests for that entry are decided on chain by the contract (granted, refused, or left to the officers).',
  'contract.id': 'Instance', 'contract.label': 'Label and parameters', 'contract.owner': 'Owner', 'contract.code': 'Code', 'contract.version': 'Version', 'contract.entries': 'Bound entries',
  'contract.hash': 'SHA-256', 'contract.size': 'Size', 'contract.uploader': 'Uploaded by', 'contract.params': 'parameters', 'contract.bytes': '{n} bytes',
  'contract.approved': 'approved (proposal #{id})', 'contract.awaiting': 'awaiting governance', 'contract.versions': '{n} versions', 'contract.unbound': 'not bound', 'contract.none': 'No policy contracts yet',
  'gov.calendar_detail': '{year}: {h} holidays, {m} make-up working days',
  'open.title': 'Open data', 'open.intro': 'Government data is opened in three modes (§6): open to all, open on application, and not open. What is not opened is public too, with its basis; data open on application is served through an interface to vetted applicants, and its use can be traced on the ledger.',
  'open.n_open': 'Open to all', 'open.n_app': 'Open on application', 'open.n_closed': 'Not open / negative list', 'open.n_agreements': 'Opening agreements',
  'open.open_sets': 'Datasets open to all', 'open.open_note': 'Take them through the platform API or as a batch download, without applying.',
  'open.on_app': 'Datasets open on application', 'open.how': 'How to apply',
  'open.how1': 'Become a member: an outside body (e.g. a big-data company) joins through a governance proposal by the platform operator that the members pass; it receives an application key.',
  'open.how2': 'Submit a request naming the fields, the purpose and the legal basis. With the command-line tool:',
  'open.how3': 'The provider answers within {n} working days, agreeing or stating why not; progress and deadlines are public on the share requests page.',
  'open.how4': 'On approval a grant is issued: the fields, their masking, the period and a row quota.',
  'open.how5': 'Every use is recorded on the ledger and open to the access audit; a datum that looks wrong can be disputed and the provider must check it.',
  'open.cmd_purpose': 'purpose', 'open.cmd_basis': 'legal basis',
  'open.applications': 'Applications from outside bodies', 'open.agreements': 'Contract-based opening agreements',
  'open.agreements_note': 'Signed by the platform operator, the providing department and the applicant; the text stays off chain, its digest and the signatures are on it.',
  'open.parties': 'Parties (operator / provider / applicant)', 'open.signed': 'Signed', 'open.digest': 'text digest', 'open.active': 'active',
  'open.proposed': 'awaiting signatures', 'open.closed': 'Not opened, and why', 'open.basis': 'Basis', 'open.in_catalog': 'All open data in the catalog ›',
};

/** Labels of enum values, per enum. */
const ENUMS = {
  share_type: { unconditional: ['无条件共享', 'unconditional'], conditional: ['有条件共享', 'conditional'], not_shareable: ['不予共享', 'not shareable'] },
  open_mode: { open: ['无条件开放', 'open'], on_application: ['依申请开放', 'on application'], not_open: ['不予开放', 'not open'] },
  method: { api: ['系统对接 / 数据 API', 'system interface / API'], front_end_machine: ['前置机共享', 'front-end machine'], online_query: ['联机查询', 'online query'], batch_download: ['批量下载', 'batch download'] },
  sensitivity: { public: ['公开', 'public'], internal: ['内部', 'internal'], sensitive: ['敏感', 'sensitive'] },
  masking: { none: ['不脱敏', 'none'], id_number: ['身份证号遮蔽', 'ID number'], name: ['姓名遮蔽', 'name'], phone: ['手机号遮蔽', 'phone'], address: ['地址截至区县', 'address to district'], keyed_hash: ['密钥哈希', 'keyed hash'], generalize: ['泛化为区间', 'generalized'], suppress: ['不提供', 'suppressed'] },
  request_status: { pending: ['待答复', 'pending'], overdue: ['已超期', 'overdue'], granted: ['已同意', 'granted'], rejected: ['不予共享', 'rejected'], withdrawn: ['已撤回', 'withdrawn'] },
  request_tab: { all: ['全部', 'All'], pending: ['待答复', 'Pending'], overdue: ['已超期', 'Overdue'], granted: ['已同意', 'Granted'], late: ['逾期答复', 'Answered late'], rejected: ['不予共享', 'Rejected'], withdrawn: ['已撤回', 'Withdrawn'] },
  channel: { sharing: ['部门共享', 'sharing'], opening: ['社会开放', 'opening'] },
  review: { pending: ['待审核', 'awaiting review'], approved: ['审核通过', 'approved'], changes_requested: ['需修改', 'changes requested'] },
  role: { cdo: ['首席数据官', 'CDO'], reviewer: ['审核员', 'reviewer'], app: ['应用', 'application'], validator: ['验证节点', 'validator'] },
  org_kind: { department: ['政府部门', 'department'], platform_operator: ['平台运营方', 'platform operator'], external_applicant: ['社会主体', 'external applicant'], auditor: ['安全监管', 'auditor'] },
  objection: { open: ['待核校', 'open'], corrected: ['已更正', 'corrected'], rejected: ['核校后维持', 'kept after checking'] },
  proposal_status: { open: ['投票中', 'open'], passed: ['已通过', 'passed'], rejected: ['未通过', 'rejected'], expired: ['已过期', 'expired'], failed: ['执行失败', 'failed'] },
  proposal_action: { add_organization: ['新增成员机构', 'Add organization'], remove_organization: ['移除成员机构', 'Remove organization'], add_validator: ['新增验证节点', 'Add validator'], remove_validator: ['移除验证节点', 'Remove validator'], set_holiday_calendar: ['设置节假日日历', 'Set holiday calendar'], set_parameters: ['调整参数', 'Set parameters'], approve_contract_code: ['批准合约代码', 'Approve contract code'] },
  hit: { block: ['区块', 'block'], transaction: ['交易', 'transaction'], organization: ['机构', 'organization'], catalog_entry: ['目录条目', 'catalog entry'], share_request: ['共享申请', 'share request'], grant: ['授权', 'grant'] },
  class: {
    population: ['人口', 'population'], 'public-security': ['公共安全', 'public security'], licences: ['证照', 'licences'], transport: ['交通', 'transport'],
    'legal-entity': ['法人', 'legal entities'], safety: ['安全生产', 'safety'], market: ['市场监管', 'market'], 'social-assistance': ['社会救助', 'social assistance'],
    civil: ['民政', 'civil affairs'], geography: ['地理', 'geography'], health: ['卫生健康', 'health'],
  },
  tx: {
    register_organization: ['登记机构', 'Register organization'], add_member: ['添加成员密钥', 'Add member key'], remove_member: ['移除成员密钥', 'Remove member key'],
    rotate_key: ['轮换密钥', 'Rotate key'], set_approval_threshold: ['设置审批门限', 'Set approval threshold'], submit_proposal: ['提交治理提案', 'Submit proposal'],
    vote_proposal: ['治理投票', 'Vote on proposal'], register_catalog_entry: ['登记目录', 'Register catalog entry'], update_catalog_entry: ['更新目录', 'Update catalog entry'],
    review_catalog_entry: ['审核目录', 'Review catalog entry'], declare_change: ['申报变更', 'Declare change'], set_negative_list: ['设置负面清单', 'Set negative list'],
    submit_share_request: ['提交共享申请', 'Submit share request'], approve_share_request: ['批准共享申请', 'Approve share request'], reject_share_request: ['拒绝共享申请', 'Reject share request'],
    withdraw_share_request: ['撤回共享申请', 'Withdraw share request'], revoke_grant: ['撤销授权', 'Revoke grant'], record_access: ['记录数据访问', 'Record access'],
    raise_objection: ['提出疑义', 'Raise objection'], answer_objection: ['答复疑义', 'Answer objection'], propose_agreement: ['发起开放协议', 'Propose agreement'], sign_agreement: ['签署开放协议', 'Sign agreement'],
  },
  event: {
    organization_registered: ['机构已登记', 'Organization registered'], organization_removed: ['机构已移除', 'Organization removed'], member_added: ['成员密钥已添加', 'Member added'],
    member_removed: ['成员密钥已移除', 'Member removed'], key_rotated: ['密钥已轮换', 'Key rotated'], approval_threshold_set: ['审批门限已设置', 'Approval threshold set'],
    proposal_submitted: ['提案已提交', 'Proposal submitted'], proposal_voted: ['已投票', 'Proposal voted'], proposal_passed: ['提案通过', 'Proposal passed'],
    proposal_rejected: ['提案未通过', 'Proposal rejected'], proposal_expired: ['提案过期', 'Proposal expired'], validator_set_scheduled: ['验证节点变更已排期', 'Validator set scheduled'],
    validator_set_changed: ['验证节点已变更', 'Validator set changed'], holiday_calendar_set: ['节假日日历已设置', 'Holiday calendar set'], parameters_set: ['参数已调整', 'Parameters set'],
    catalog_entry_registered: ['目录已登记', 'Catalog entry registered'], catalog_entry_updated: ['目录已更新', 'Catalog entry updated'], catalog_entry_reviewed: ['目录已审核', 'Catalog entry reviewed'],
    change_declared: ['已申报变更', 'Change declared'], negative_list_set: ['负面清单已设置', 'Negative list set'], entry_update_overdue: ['目录更新超期', 'Entry update overdue'],
    entry_review_overdue: ['目录年审超期', 'Entry review overdue'], share_request_submitted: ['共享申请已提交', 'Share request submitted'], share_request_approved: ['共享申请获批准', 'Share request approved'],
    share_request_rejected: ['共享申请被拒绝', 'Share request rejected'], share_request_withdrawn: ['共享申请已撤回', 'Share request withdrawn'], share_request_overdue: ['共享申请答复超期', 'Share request overdue'],
    grant_issued: ['授权已生效', 'Grant issued'], grant_revoked: ['授权已撤销', 'Grant revoked'], access_recorded: ['数据访问已记录', 'Access recorded'],
    objection_raised: ['疑义已提出', 'Objection raised'], objection_answered: ['疑义已答复', 'Objection answered'], objection_overdue: ['疑义答复超期', 'Objection overdue'],
    agreement_proposed: ['开放协议已发起', 'Agreement proposed'], agreement_signed: ['开放协议已签署', 'Agreement signed'],
  },
};

/** Labels of record fields (payloads, events, specs, parameters). */
const FIELDS = {
  entry_id: ['目录编号', 'entry'], request_id: ['申请编号', 'request'], grant_id: ['授权编号', 'grant'], proposal_id: ['提案编号', 'proposal'],
  agreement_id: ['协议编号', 'agreement'], objection_id: ['疑义编号', 'objection'], access_id: ['访问编号', 'access'], credit_code: ['统一社会信用代码', 'credit code'],
  organization: ['机构', 'organization'], key: ['公钥', 'key'], role: ['角色', 'role'], old_key: ['原密钥', 'old key'], new_key: ['新密钥', 'new key'],
  threshold: ['门限', 'threshold'], proposer: ['提案机构', 'proposer'], approve: ['赞成', 'approve'], validators: ['验证节点', 'validators'],
  effective_height: ['生效高度', 'effective height'], year: ['年份', 'year'], provider: ['提供部门', 'provider'], version: ['版本', 'version'],
  approved: ['通过', 'approved'], update_due: ['更新截止', 'update due'], due: ['截止', 'due'], listed: ['列入', 'listed'], requester: ['申请方', 'requester'],
  approvals: ['批准数', 'approvals'], required: ['所需批准', 'required'], reason: ['理由', 'reason'], grantee: ['被授权方', 'grantee'],
  expires_at: ['到期', 'expires'], rows: ['行数', 'rows'], raised_by: ['提出方', 'raised by'], corrected: ['已更正', 'corrected'],
  applicant: ['申请方', 'applicant'], party: ['签署方', 'party'], fields: ['数据项', 'fields'], purpose: ['用途', 'purpose'],
  legal_basis: ['法律依据', 'legal basis'], period_days: ['使用天数', 'period (days)'], quota_rows: ['行数配额', 'row quota'], quota_calls: ['调用配额', 'call quota'],
  accessor: ['取用密钥', 'accessor'], query_digest: ['查询摘要', 'query digest'], spec: ['目录内容', 'entry'], kind: ['类型', 'kind'], note: ['说明', 'note'],
  basis: ['依据', 'basis'], name: ['名称', 'name'], members: ['成员', 'members'], action: ['提案内容', 'action'], digest: ['摘要', 'digest'],
  record_ref: ['记录', 'record'], field: ['数据项', 'field'], description: ['说明', 'description'], member: ['成员', 'member'], deadline: ['截止', 'deadline'],
  classification: ['分类', 'classification'], security_grade: ['分级', 'security grade'], format: ['格式', 'format'], update_frequency: ['更新频度', 'update frequency'],
  share_type: ['共享类型', 'share type'], share_methods: ['共享方式', 'sharing methods'], open_mode: ['开放模式', 'open mode'], usage_requirements: ['使用要求', 'usage requirements'],
  approval_threshold: ['审批门限', 'approval threshold'],
  governance_threshold_percent: ['治理通过门限（%）', 'governance threshold (%)'], answer_working_days: ['申请答复期限（工作日）', 'answer deadline (working days)'],
  update_working_days_data: ['数据变更后更新期限（工作日）', 'update after a data change (working days)'], update_working_days_law: ['法规或职责变更后更新期限（工作日）', 'update after a law or duty change (working days)'],
  review_interval_days: ['目录年审间隔（天）', 'review interval (days)'], objection_working_days: ['疑义答复期限（工作日）', 'objection answer deadline (working days)'],
  validator_change_delay: ['验证节点变更生效延迟（区块）', 'validator change delay (blocks)'],
};

let current = (() => {
  try {
    return localStorage.getItem(KEY) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
})();

export const lang = () => current;

export function setLang(l) {
  current = l === 'en' ? 'en' : 'zh';
  try {
    localStorage.setItem(KEY, current);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
}

/** The label of `key` with `{name}` placeholders filled from `vars`. */
export function t(key, vars) {
  const s = (current === 'en' ? en : zh)[key] ?? en[key] ?? key;
  return vars ? s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? `{${k}}`)) : s;
}

export function enumLabel(kind, value) {
  const v = ENUMS[kind]?.[value];
  return v ? v[current === 'en' ? 1 : 0] : String(value ?? '').replace(/_/g, ' ');
}

export function fieldLabel(key) {
  const v = FIELDS[key];
  return v ? v[current === 'en' ? 1 : 0] : String(key).replace(/_/g, ' ');
}

/** "English name (中文名)" → the part in the current language; other text unchanged. */
export function localName(s) {
  const m = /^(.*?)\s*[(（]([^()（）]*[\u4e00-\u9fff][^()（）]*)[)）]\s*$/.exec(String(s ?? ''));
  if (!m) return String(s ?? '');
  return current === 'en' ? m[1] : m[2];
}

/** Fills the static labels of index.html (`data-i18n`, `data-i18n-placeholder`, `data-i18n-title`). */
export function applyStatic() {
  document.documentElement.lang = current === 'en' ? 'en' : 'zh-CN';
  document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll('[data-i18n-placeholder]').forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
  document.querySelectorAll('[data-i18n-title]').forEach((el) => { el.title = t(el.dataset.i18nTitle); });
}

/** Both dictionaries, for the tests that check they have the same keys. */
export const DICTS = { zh, en };
