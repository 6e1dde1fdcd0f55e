use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::reader::{FileReader, SerializedFileReader};

use super::{write_batch_parquet, write_batch_rows};
use crate::columns::HitRow;
use crate::{read_parquet, write_parquet, Hit};

fn some(v: &str) -> Option<String> {
    Some(v.to_owned())
}

/// Every column set.
fn full(i: u64) -> Hit {
    Hit {
        ts: 1_764_320_400_000 + i as i64,
        hit_id: u64::MAX - i,
        site: "example.com".into(),
        event: if i.is_multiple_of(3) { "signup" } else { "pageview" }.into(),
        visitor_id: i.wrapping_mul(0x9e37_79b9_7f4a_7c15),
        url_host: "example.com".into(),
        url_path: format!("/p/{}", i % 7),
        referrer_host: some("google.com"),
        referrer_path: some("/search"),
        utm_source: some("newsletter"),
        utm_medium: some("email"),
        utm_campaign: some("Winter Sale ✓"),
        utm_term: some("shoes"),
        utm_content: some("banner"),
        ref_param: some("hn"),
        click_id_kind: some("gclid"),
        country: some("DE"),
        region: some("Berlin"),
        city: some("Berlin"),
        continent: some("EU"),
        timezone: some("Europe/Berlin"),
        asn: Some(3320 + i as u32),
        as_org: some("Deutsche Telekom AG"),
        colo: some("FRA"),
        device_type: "desktop".into(),
        browser: some("Chrome"),
        browser_version: some("131"),
        os: some("Windows"),
        os_version: some("10"),
        is_bot: i.is_multiple_of(2),
        bot_reason: i.is_multiple_of(2).then(|| "ua:crawler".to_owned()),
        engaged_ms: Some(i as u32 * 1000),
        screen_width: Some(1280),
        scroll_depth: Some(i as u32 % 101),
        revenue: Some(i as f64 - 2.5),
        currency: some("EUR"),
        props: some(r#"{"plan":"pro"}"#),
        entry: Some(i.is_multiple_of(4)),
    }
}

fn batches() -> Vec<(&'static str, Vec<Hit>)> {
    let mixed: Vec<Hit> = (0..100)
        .map(|i| {
            if i % 3 == 0 {
                full(i)
            } else {
                Hit {
                    ts: i as i64,
                    ..Hit::default()
                }
            }
        })
        .collect();
    // 300 distinct paths: dictionary indices need 9 bits.
    let wide: Vec<Hit> = (0..300)
        .map(|i| Hit {
            url_path: format!("/{i}/{}", "x".repeat(i as usize % 90)),
            ..full(i)
        })
        .collect();
    vec![
        ("one", vec![full(1)]),
        ("defaults", vec![Hit::default(); 3]),
        ("full", (0..100).map(full).collect()),
        ("mixed", mixed),
        ("wide", wide),
        ("empty", vec![]),
    ]
}

#[test]
fn batch_files_read_back_as_written() {
    for (label, hits) in batches() {
        let bytes = write_batch_parquet(&hits).expect(label);
        // Borrowed rows make the very same file.
        let rows: Vec<HitRow<'_>> = hits.iter().map(HitRow::from).collect();
        assert_eq!(write_batch_rows(&rows).expect(label), bytes, "{label}");
        assert!(rows.iter().zip(&hits).all(|(r, h)| r.to_hit() == *h), "{label}");
        assert_eq!(read_parquet(bytes).expect(label), hits, "{label}");
    }
}

#[test]
fn batch_files_have_the_hit_schema_and_metadata() {
    let hits: Vec<Hit> = (0..10).map(full).collect();
    let reference = bytes::Bytes::from(write_parquet(&hits).unwrap());
    let batch = bytes::Bytes::from(write_batch_parquet(&hits).unwrap());
    let arrow = |b: &bytes::Bytes| {
        ParquetRecordBatchReaderBuilder::try_new(b.clone())
            .unwrap()
            .schema()
            .clone()
    };
    assert_eq!(arrow(&batch), arrow(&reference), "Arrow schema");
    let file = |b: &bytes::Bytes| SerializedFileReader::new(b.clone()).unwrap();
    let (batch, reference) = (file(&batch), file(&reference));
    let (m, r) = (batch.metadata().file_metadata(), reference.metadata().file_metadata());
    assert_eq!(
        m.schema_descr().root_schema(),
        r.schema_descr().root_schema(),
        "Parquet schema"
    );
    assert_eq!(m.key_value_metadata(), r.key_value_metadata());
    assert_eq!((m.num_rows(), m.created_by()), (10, r.created_by()));
    // arrow-rs declares IEEE 754 total order for DOUBLE; the batch writer keeps the classic
    // type-defined order (NaN left out, zero bounds as -0.0/+0.0) that every reader knows.
    let orders = |m: &parquet::file::metadata::FileMetaData| {
        let mut orders = m.column_orders().cloned().unwrap_or_default();
        orders.retain(|o| !matches!(o, parquet::basic::ColumnOrder::IEEE_754_TOTAL_ORDER));
        orders
    };
    let revenue = crate::columns::ALL.iter().position(|c| *c == "revenue").unwrap();
    let mut expected = m.column_orders().cloned().unwrap_or_default();
    expected.remove(revenue);
    assert_eq!(expected, orders(r));
    assert_eq!(batch.metadata().num_row_groups(), 1);
}

#[test]
fn batch_statistics() {
    let mut hits: Vec<Hit> = (0..5).map(full).collect();
    hits[1].hit_id = 1; // unsigned order: 1 is the min, u64::MAX the max
    hits[2].hit_id = u64::MAX;
    hits[3].ts = -5;
    hits[0].revenue = Some(0.0);
    hits[4].revenue = None;
    hits[2].props = Some("p".repeat(65));
    let bytes = bytes::Bytes::from(write_batch_parquet(&hits).unwrap());
    let reader = SerializedFileReader::new(bytes).unwrap();
    let group = reader.metadata().row_group(0);
    let stats = |name: &str| {
        let i = crate::columns::ALL.iter().position(|c| *c == name).unwrap();
        group.column(i).statistics().cloned().expect(name)
    };
    let bounds = |name: &str| {
        let s = stats(name);
        (
            s.min_bytes_opt().map(<[u8]>::to_vec),
            s.max_bytes_opt().map(<[u8]>::to_vec),
        )
    };
    let le = |v: i64| Some(v.to_le_bytes().to_vec());
    assert_eq!(bounds("ts"), (le(-5), le(1_764_320_400_004)));
    assert_eq!(bounds("hit_id"), (le(1), le(-1)));
    assert_eq!(bounds("event"), (Some(b"pageview".to_vec()), Some(b"signup".to_vec())));
    assert_eq!(bounds("props"), (None, None), "a bound over 64 bytes is left out");
    assert_eq!(bounds("is_bot"), (Some(vec![0]), Some(vec![1])));
    assert_eq!(
        bounds("revenue"),
        (
            Some((-1.5f64).to_le_bytes().to_vec()),
            Some(0.5f64.to_le_bytes().to_vec())
        )
    );
    assert_eq!(stats("revenue").null_count_opt(), Some(1));
    assert_eq!(stats("utm_term").null_count_opt(), Some(0));
    let only_zero = vec![Hit {
        revenue: Some(0.0),
        ..Hit::default()
    }];
    let reader = SerializedFileReader::new(bytes::Bytes::from(write_batch_parquet(&only_zero).unwrap())).unwrap();
    let i = crate::columns::ALL.iter().position(|c| *c == "revenue").unwrap();
    let s = reader.metadata().row_group(0).column(i).statistics().cloned().unwrap();
    assert_eq!(s.min_bytes_opt(), Some(&(-0.0f64).to_le_bytes()[..]));
    assert_eq!(s.max_bytes_opt(), Some(&0.0f64.to_le_bytes()[..]));
    let j = crate::columns::ALL.iter().position(|c| *c == "utm_term").unwrap();
    let s = reader.metadata().row_group(0).column(j).statistics().cloned().unwrap();
    assert_eq!((s.null_count_opt(), s.min_bytes_opt()), (Some(1), None), "all null");
}
