//! The stream of committed heads (`GET /v1/heads`) against a real `kuai-node` process:
//! an SDK follower gets every committed height once, in order, each matching the stored
//! block; a raw client resumes strictly after a `Last-Event-ID`; bad ids are 400s; the
//! CLI's `kuai block follow --after H --count N` prints the N heads after H as JSON
//! lines and exits, and `--after` far back or above the head is an error naming it.

mod common;

use std::time::Duration;

use common::{init, key, kuai_bin, NodeProc};
use futures::StreamExt;
use kuai_client::types::api::HeadEvent;
use kuai_client::{Client, TxBuilder};

const WAIT: Duration = Duration::from_secs(30);

/// The first complete message of a raw `GET /v1/heads` with `Last-Event-ID: after`: its
/// `id:` and `data:` lines.
async fn first_message(url: &str, after: u64) -> (String, HeadEvent) {
    let resp = reqwest::Client::new()
        .get(format!("{url}/v1/heads"))
        .header("Last-Event-ID", after.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut body = resp.bytes_stream();
    let mut text = String::new();
    while !text.contains("\n\n") {
        let chunk = tokio::time::timeout(WAIT, body.next())
            .await
            .expect("a message within the wait")
            .expect("the stream stays open")
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let message = text.split("\n\n").next().unwrap();
    let field = |name: &str| {
        message
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name} in {message:?}"))
            .trim()
            .to_string()
    };
    assert_eq!(field("event:"), "head");
    (field("id:"), serde_json::from_str(&field("data:")).unwrap())
}

/// Commits `n` catalog entries, one block each.
async fn commit_entries(c: &Client, health: &mut TxBuilder, name: &str, n: usize) {
    for i in 0..n {
        let h = c
            .submit(&health.register_catalog_entry(common::entry_spec(&format!("{name} {i}"))))
            .await
            .unwrap();
        c.wait_for_commit(&h, WAIT).await.unwrap();
    }
}

/// Each head's hash, state root and time are those of the stored block at its height.
async fn assert_stored(c: &Client, heads: &[HeadEvent]) {
    for h in heads {
        let b = c.block(&h.height.to_string()).await.unwrap();
        assert_eq!(h.hash, b.hash, "height {}", h.height);
        assert_eq!(h.state_root, b.header.state_root, "height {}", h.height);
        assert_eq!(h.time_ms, b.header.time_ms, "height {}", h.height);
    }
}

/// A running `kuai block follow ARGS` and its PID.
type Running = (
    u32,
    tokio::task::JoinHandle<std::io::Result<std::process::Output>>,
);

fn follow_cli(url: &str, args: &[&str]) -> Running {
    let child = std::process::Command::new(kuai_bin())
        .args(["--node", url, "block", "follow"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    (
        pid,
        tokio::task::spawn_blocking(move || child.wait_with_output()),
    )
}

/// Its output once it exits, within [`WAIT`]; otherwise it is killed by its PID.
async fn bounded((pid, running): Running) -> std::process::Output {
    match tokio::time::timeout(WAIT, running).await {
        Ok(done) => done.unwrap().unwrap(),
        Err(_) => {
            let _ = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status();
            panic!("kuai block follow did not exit within {WAIT:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_gets_every_committed_head_once_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir, "kuai-heads");
    let node = NodeProc::start(dir);
    let c = Client::new(&node.url).unwrap();
    let start = c.status().await.unwrap().height;

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let stream = c.heads();
    tokio::spawn(async move {
        futures::pin_mut!(stream);
        while let Some(item) = stream.next().await {
            if tx.send(item.map_err(|e| e.to_string())).is_err() {
                return;
            }
        }
    });
    // Multi-process test: give the follower time to connect before the commits.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut health = TxBuilder::for_key(&c, key(dir, "health-cdo"))
        .await
        .unwrap();
    commit_entries(&c, &mut health, "Heads", 5).await;
    let last = c.status().await.unwrap().height;
    assert!(last >= start + 5, "five commits: {start} -> {last}");

    let mut got: Vec<HeadEvent> = Vec::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    while got.last().map(|h| h.height) != Some(last) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(Ok(h))) => got.push(h),
            Ok(Some(Err(e))) => panic!("stream failed: {e}"),
            Ok(None) => panic!("stream ended after {} heads", got.len()),
            Err(_) => panic!("only {:?} within {WAIT:?}", got.last()),
        }
    }
    let heights: Vec<u64> = got.iter().map(|h| h.height).collect();
    let want: Vec<u64> = (start + 1..=last).collect();
    assert_eq!(
        heights, want,
        "every height after the connection, once, in order"
    );
    assert_stored(&c, &got).await;

    // Resume strictly after a height, from the store.
    let (id, head) = first_message(&node.url, start + 1).await;
    assert_eq!(id, (start + 2).to_string());
    assert_eq!(head, got[1]);

    // The CLI follows the next two heads, then exits 0. `--after` makes it independent of
    // when the process connects: heights committed before are replayed.
    let after = last.to_string();
    let output = follow_cli(&node.url, &["--count", "2", "--after", &after]);
    commit_entries(&c, &mut health, "CLI", 2).await;
    let output = bounded(output).await;
    assert!(
        output.status.success(),
        "kuai block follow: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: Vec<HeadEvent> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect();
    let heights: Vec<u64> = printed.iter().map(|h| h.height).collect();
    assert_eq!(heights, vec![last + 1, last + 2], "the next two heads");
    assert_stored(&c, &printed).await;
    // A start above the head: exit 1, naming the option and the node's reason.
    let above = (last + 1000).to_string();
    let above = bounded(follow_cli(&node.url, &["--after", &above])).await;
    assert_eq!(above.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&above.stderr);
    assert!(
        stderr.contains("--after") && stderr.contains("Last-Event-ID"),
        "{stderr}"
    );

    // Bad ids: 400 with a message naming the header.
    let http = reqwest::Client::new();
    for bad in ["x", "-1", &(last + 1000).to_string()] {
        let resp = http
            .get(format!("{}/v1/heads", node.url))
            .header("Last-Event-ID", bad)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{bad}");
        let body: serde_json::Value = resp.json().await.unwrap();
        let msg = body["error"]["message"].as_str().unwrap_or_default();
        assert!(msg.contains("Last-Event-ID"), "{bad}: {msg}");
    }
}
