//! `reporter run --site`: one site's report equals that site's part of the report of all sites.

use std::path::Path;
use std::process::Command;

fn reporter(args: &[&str]) {
    let status = Command::new(env!("CARGO_BIN_EXE_reporter"))
        .args(args)
        .args(["--log", "warn"])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "reporter {args:?}");
}

fn report(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap()
}

#[test]
fn one_site_alone_equals_its_part_of_every_site() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let (all, one) = (dir.path().join("all"), dir.path().join("one"));
    let lake_s = lake.to_str().unwrap();
    reporter(&[
        "generate",
        "--store",
        lake_s,
        "--from",
        "2026-03-02",
        "--days",
        "2",
        "--hits",
        "6000",
    ]);
    let period = ["--from", "2026-03-03", "--to", "2026-03-03", "--quiet"];
    reporter(&[&["run", "--store", lake_s, "--out", all.to_str().unwrap()], &period[..]].concat());
    reporter(
        &[
            &[
                "run",
                "--store",
                lake_s,
                "--out",
                one.to_str().unwrap(),
                "--site",
                "shop.example.org",
            ],
            &period[..],
        ]
        .concat(),
    );
    let (all, one_report) = (report(&all), report(&one));
    let sites = |r: &serde_json::Value| -> Vec<String> {
        r["sites"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["site"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(sites(&all), ["example.com", "shop.example.org"]);
    assert_eq!(sites(&one_report), ["shop.example.org"]);
    let all_site = &all["sites"][1];
    let one_site = &one_report["sites"][0];
    for part in ["totals", "previous", "channels", "top_pages", "bot_ledger"] {
        assert_eq!(all_site[part], one_site[part], "{part}");
    }
    let bytes = bytes::Bytes::from(std::fs::read(one.join("sessions.parquet")).unwrap());
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(bytes)
        .unwrap()
        .build()
        .unwrap();
    let mut rows = 0;
    for batch in reader {
        let batch = batch.unwrap();
        let site = batch.column_by_name("site").unwrap();
        let site = site.as_any().downcast_ref::<arrow_array::StringArray>().unwrap();
        assert!(site.iter().all(|s| s == Some("shop.example.org")));
        rows += batch.num_rows();
    }
    assert_eq!(rows as u64, one_site["totals"]["sessions"].as_u64().unwrap());
}
