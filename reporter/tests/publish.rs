//! `reporter publish`: uploads a site folder under `reports/`, then only what changed.

use hitflow_reporter::publish::{headers_for, publish};
use hitflow_reporter::store::Store;

#[tokio::test]
async fn uploads_only_changed_files_and_keeps_hidden_ones_local() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("periods/p1")).unwrap();
    std::fs::write(site.join("index.html"), "<h1>index</h1>").unwrap();
    std::fs::write(site.join("periods/p1/index.html"), "<h1>p1</h1>").unwrap();
    std::fs::write(site.join("periods/p1/report.json"), "{}").unwrap();
    std::fs::write(site.join(".secret"), "local only").unwrap();
    let store = Store::open_or_create(dir.path().join("bucket").to_str().unwrap())
        .await
        .unwrap();

    let first = publish(&site, &store).await.unwrap();
    assert_eq!((first.files, first.uploaded, first.unchanged), (3, 3, 0));
    assert_eq!(
        store.get("reports/periods/p1/index.html").await.unwrap(),
        "<h1>p1</h1>".as_bytes()
    );
    assert!(store.get("reports/.secret").await.is_err());

    let again = publish(&site, &store).await.unwrap();
    assert_eq!((again.uploaded, again.unchanged), (0, 3));

    std::fs::write(site.join("index.html"), "<h1>index v2</h1>").unwrap();
    let changed = publish(&site, &store).await.unwrap();
    assert_eq!((changed.uploaded, changed.unchanged), (1, 2));
    assert_eq!(
        store.get("reports/index.html").await.unwrap(),
        "<h1>index v2</h1>".as_bytes()
    );
}

#[test]
fn content_types_and_cache_policies() {
    for (path, content_type) in [
        ("index.html", "text/html; charset=utf-8"),
        ("a/b.svg", "image/svg+xml"),
        ("report.json", "application/json"),
        ("sessions.parquet", "application/vnd.apache.parquet"),
        ("x.bin", "application/octet-stream"),
    ] {
        assert_eq!(headers_for(path).0, content_type, "{path}");
        assert!(
            headers_for(path).1.starts_with("private"),
            "reports are never cached by shared caches"
        );
    }
}
