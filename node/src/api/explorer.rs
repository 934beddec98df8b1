//! The chain explorer: a web UI (plain HTML, ES modules and CSS under
//! `node/assets/explorer/`) built into the binary and served at `/` and `/explorer/*`.
//!
//! Rules: every asset is compiled in (no CDN, no files read at run time); each is served
//! with its content type, `nosniff` and `no-cache` (the node's version changes assets, so
//! the browser revalidates); an unknown asset is a JSON 404 like the API's. The page's
//! Content-Security-Policy allows only this origin, so an asset that tried to load
//! anything from elsewhere would fail loudly in the browser (and in the e2e tests).

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// One built-in file: its path under `/explorer/`, content type and bytes.
pub struct Asset {
    pub path: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

macro_rules! assets {
    ($($path:literal => $ctype:literal,)*) => {
        /// Every file of the explorer, as compiled into the binary.
        pub static ASSETS: &[Asset] = &[$(Asset {
            path: $path,
            content_type: $ctype,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/explorer/", $path)),
        },)*];
    };
}

assets! {
    "index.html" => "text/html; charset=utf-8",
    "style.css" => "text/css; charset=utf-8",
    "favicon.svg" => "image/svg+xml",
    "app.js" => "text/javascript; charset=utf-8",
    "api.js" => "text/javascript; charset=utf-8",
    "i18n.js" => "text/javascript; charset=utf-8",
    "charts.js" => "text/javascript; charset=utf-8",
    "util.js" => "text/javascript; charset=utf-8",
    "live.js" => "text/javascript; charset=utf-8",
    "pages/overview.js" => "text/javascript; charset=utf-8",
    "pages/chain.js" => "text/javascript; charset=utf-8",
    "pages/search.js" => "text/javascript; charset=utf-8",
    "pages/orgs.js" => "text/javascript; charset=utf-8",
    "pages/catalog.js" => "text/javascript; charset=utf-8",
    "pages/requests.js" => "text/javascript; charset=utf-8",
    "pages/audit.js" => "text/javascript; charset=utf-8",
    "pages/governance.js" => "text/javascript; charset=utf-8",
    "pages/open.js" => "text/javascript; charset=utf-8",
}

/// Only this origin; inline styles are allowed for the SVG charts' attributes.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data:; connect-src 'self'; object-src 'none'; \
                   base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

pub fn find(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

fn serve(asset: &'static Asset) -> Response {
    let mut res = (StatusCode::OK, asset.bytes).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if asset.path == "index.html" {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    res
}

/// `GET /`: the explorer's page.
pub async fn index() -> Response {
    match find("index.html") {
        Some(a) => serve(a),
        None => ApiError::not_found("the explorer is not built in").into_response(),
    }
}

/// `GET /explorer/{*path}`: one built-in asset, or a 404.
pub async fn asset(Path(path): Path<String>) -> Response {
    match find(&path) {
        Some(a) => serve(a),
        None => ApiError::not_found(format!("no explorer asset {path:?}")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JS: &str = "text/javascript; charset=utf-8";

    fn text(a: &Asset) -> &'static str {
        std::str::from_utf8(a.bytes).expect("assets are UTF-8 text")
    }

    /// Every quoted `./x.js` / `../x.js` import and `/explorer/...` reference in an asset,
    /// as a path under `/explorer/`.
    fn references(a: &Asset) -> Vec<String> {
        let src = text(a);
        let dir: Vec<&str> = match a.path.rsplit_once('/') {
            Some((d, _)) => d.split('/').collect(),
            None => vec![],
        };
        let mut out = Vec::new();
        for (i, c) in src.char_indices() {
            if c != '\'' && c != '"' {
                continue;
            }
            let rest = &src[i + 1..];
            let Some(end) = rest.find(c) else { continue };
            let quoted = &rest[..end];
            if let Some(p) = quoted.strip_prefix("/explorer/") {
                out.push(p.to_string());
            } else if quoted.ends_with(".js")
                && (quoted.starts_with("./") || quoted.starts_with("../"))
            {
                let mut segs = dir.clone();
                for s in quoted.split('/') {
                    match s {
                        "." => {}
                        ".." => {
                            segs.pop();
                        }
                        s => segs.push(s),
                    }
                }
                out.push(segs.join("/"));
            }
        }
        out
    }

    #[test]
    fn every_referenced_asset_ships() {
        let mut checked = 0;
        for a in ASSETS {
            assert!(!a.bytes.is_empty(), "{} is empty", a.path);
            for r in references(a) {
                assert!(
                    find(&r).is_some(),
                    "{} refers to {r}, which is not built in",
                    a.path
                );
                checked += 1;
            }
        }
        assert!(checked > 10, "only {checked} references found");
        // Every page module is imported by the app, so none is dead weight.
        let app: Vec<String> = references(find("app.js").unwrap());
        for a in ASSETS.iter().filter(|a| a.path.starts_with("pages/")) {
            assert!(
                app.contains(&a.path.to_string()),
                "app.js does not import {}",
                a.path
            );
        }
    }

    #[test]
    fn nothing_is_loaded_from_elsewhere() {
        for a in ASSETS {
            let src = text(a);
            for bad in [
                "src=\"http",
                "href=\"http",
                "from 'http",
                "from \"http",
                "@import",
            ] {
                assert!(!src.contains(bad), "{} loads {bad}...", a.path);
            }
        }
    }

    #[test]
    fn js_is_served_as_javascript() {
        for a in ASSETS {
            if a.path.ends_with(".js") {
                assert_eq!(a.content_type, JS, "{}", a.path);
            }
        }
    }

    #[tokio::test]
    async fn known_assets_are_served_and_unknown_ones_are_404() {
        let res = index().await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        assert!(res.headers().contains_key(header::CONTENT_SECURITY_POLICY));

        let res = asset(Path("pages/audit.js".into())).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[header::CONTENT_TYPE], JS);
        assert_eq!(res.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");

        let res = asset(Path("style.css".into())).await;
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "text/css; charset=utf-8"
        );

        for missing in ["nope.js", "../Cargo.toml", "", "pages/"] {
            let res = asset(Path(missing.into())).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{missing:?}");
            assert_eq!(res.headers()[header::CONTENT_TYPE], "application/json");
        }
    }
}
