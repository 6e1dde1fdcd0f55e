//! The source lists as SQL tables, emitted from the very index the reporter looks sources up in
//! (hitflow's lists, the `[channels]` entries, Matomo's vendored list), and the lookup over them:
//! the same precedence as `channels::categories::SourceIndex::lookup`.

use super::dialect::Dialect;
use super::Views;
use crate::channels::categories::{Category, SourceIndex, SECOND_LEVEL};
use crate::channels::vendor::VendorIndex;

/// A table literal: `(VALUES …) AS name(cols)`; an empty one is a typed empty select.
pub(super) fn values(d: Dialect, alias: &str, columns: &[(&str, &str)], rows: &[Vec<String>]) -> String {
    let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
    if rows.is_empty() {
        let nulls: Vec<String> = columns
            .iter()
            .map(|(n, t)| format!("CAST(NULL AS {t}) AS {n}"))
            .collect();
        return format!("(SELECT {} WHERE 1 = 0) AS {alias}", nulls.join(", "));
    }
    let rows: Vec<String> = rows.iter().map(|r| format!("({})", r.join(", "))).collect();
    match d {
        Dialect::Duckdb => format!("(VALUES {}) AS {alias}({})", rows.join(",\n  "), names.join(", ")),
        Dialect::Spark => format!(
            "(SELECT * FROM VALUES {} AS v({}))  AS {alias}",
            rows.join(",\n  "),
            names.join(", ")
        ),
    }
}

fn opt_lit(d: Dialect, s: Option<&str>) -> String {
    s.map_or_else(|| "CAST(NULL AS STRING)".to_owned(), |s| d.lit(s))
}

/// The tables of the lists: `hf_own_entries`, `hf_vendor_hosts`, `hf_vendor_stems`,
/// `hf_vendor_infixes`, `hf_second_level`.
pub(super) fn list_views(d: Dialect, index: &SourceIndex, views: &mut Views) {
    let mut own: Vec<(&str, bool, Category, Option<&str>)> = index.entries().collect();
    own.sort();
    let rows: Vec<Vec<String>> = own
        .iter()
        .map(|&(key, brand, category, canonical)| {
            vec![
                d.lit(key),
                brand.to_string(),
                d.lit(category.key()),
                opt_lit(d, canonical),
            ]
        })
        .collect();
    let cols = [
        ("key", "STRING"),
        ("brand", "BOOLEAN"),
        ("category", "STRING"),
        ("canonical", "STRING"),
    ];
    views.add(
        "hf_own_entries",
        format!("SELECT * FROM {}", values(d, "t", &cols, &rows)),
    );

    let (hosts, stems, infixes) = VendorIndex::get().parts();
    for (name, map) in [("hf_vendor_hosts", hosts), ("hf_vendor_stems", stems)] {
        let mut entries: Vec<(&str, Category)> = map.iter().map(|(k, c)| (&**k, *c)).collect();
        entries.sort();
        let rows: Vec<Vec<String>> = entries.iter().map(|(k, c)| vec![d.lit(k), d.lit(c.key())]).collect();
        views.add(
            name,
            format!(
                "SELECT * FROM {}",
                values(d, "t", &[("key", "STRING"), ("category", "STRING")], &rows)
            ),
        );
    }
    let rows: Vec<Vec<String>> = infixes
        .iter()
        .enumerate()
        .map(|(i, (a, b, c))| vec![i.to_string(), d.lit(a), d.lit(b), d.lit(c.key())])
        .collect();
    let cols = [
        ("ord", "INT"),
        ("prefix", "STRING"),
        ("suffix", "STRING"),
        ("category", "STRING"),
    ];
    views.add(
        "hf_vendor_infixes",
        format!("SELECT * FROM {}", values(d, "t", &cols, &rows)),
    );
    let rows: Vec<Vec<String>> = SECOND_LEVEL.iter().map(|l| vec![d.lit(l)]).collect();
    views.add(
        "hf_second_level",
        format!("SELECT * FROM {}", values(d, "t", &[("label", "STRING")], &rows)),
    );
}

/// A view `{name}(key, category, canonical)` with the list match of every `key` of the view
/// `keys` (lowercase strings): hitflow's most specific entry (the key, its parents that keep a
/// dot, its `brand.*`), overruled by a strictly more specific vendored entry of another
/// category, exactly as `SourceIndex::lookup`.
pub(super) fn lookup_view(d: Dialect, keys: &str, name: &str, views: &mut Views) {
    let p = |s: &str| format!("{name}_{s}");
    views.add(
        &p("parts"),
        format!(
            "SELECT key, k, {labels} AS parts, {n} AS n FROM (
  SELECT DISTINCT key, CASE WHEN left(key, 4) = 'www.' THEN substring(key, 5) ELSE key END AS k FROM {keys}
) WHERE k <> ''",
            labels = d.labels("k"),
            n = d.len(&d.labels("k")),
        ),
    );
    // Every suffix of k on a dot boundary: i labels dropped.
    views.add(
        &p("suffixes"),
        format!(
            "SELECT key, n, i, {suffix} AS suffix FROM (SELECT key, parts, n, {i} AS i FROM {parts})",
            suffix = d.join_labels("parts", "i + 1", "n"),
            i = d.explode_range("n"),
            parts = p("parts"),
        ),
    );
    // The stem: k without its public suffix (`SECOND_LEVEL` heuristic), and its label count.
    let tld = d.at("parts", "n");
    let second = d.at("parts", "n - 1");
    views.add(
        &p("stems"),
        format!(
            "SELECT key, parts, n, CASE WHEN n < 2 THEN NULL
    WHEN length({tld}) = 2 AND {second} IN (SELECT label FROM hf_second_level) THEN CASE WHEN n >= 3 THEN n - 2 END
    ELSE n - 1 END AS m
  FROM {parts}",
            parts = p("parts"),
        ),
    );
    views.add(
        &p("own_exact"),
        format!(
            "SELECT key, category, canonical, spec FROM (
  SELECT s.key, e.category, e.canonical, 2 * (s.n - s.i) AS spec,
    row_number() OVER (PARTITION BY s.key ORDER BY s.i) AS rn
  FROM {suffixes} s JOIN hf_own_entries e ON NOT e.brand AND e.key = s.suffix
  WHERE s.i = 0 OR instr(s.suffix, '.') > 0
) WHERE rn = 1",
            suffixes = p("suffixes"),
        ),
    );
    views.add(
        &p("own_brand"),
        format!(
            "SELECT s.key, e.category, e.canonical FROM {stems} s
  JOIN hf_own_entries e ON e.brand AND e.key = {brand}
  WHERE s.m IS NOT NULL",
            stems = p("stems"),
            brand = d.at("s.parts", "s.m"),
        ),
    );
    views.add(
        &p("vendor_host"),
        format!(
            "SELECT key, category, spec FROM (
  SELECT s.key, v.category, 2 * (s.n - s.i) AS spec, row_number() OVER (PARTITION BY s.key ORDER BY s.i) AS rn
  FROM {suffixes} s JOIN hf_vendor_hosts v ON v.key = s.suffix
) WHERE rn = 1",
            suffixes = p("suffixes"),
        ),
    );
    views.add(
        &p("vendor_stem"),
        format!(
            "SELECT key, category, spec FROM (
  SELECT t.key, v.category, t.m - t.j AS spec, row_number() OVER (PARTITION BY t.key ORDER BY t.j) AS rn
  FROM (SELECT key, m, j, {stem_suffix} AS suffix FROM (
    SELECT key, parts, m, {j} AS j FROM {stems} WHERE m IS NOT NULL)) t
  JOIN hf_vendor_stems v ON v.key = t.suffix
) WHERE rn = 1",
            stem_suffix = d.join_labels("parts", "j + 1", "m"),
            j = d.explode_range("m"),
            stems = p("stems"),
        ),
    );
    views.add(
        &p("vendor_infix"),
        format!(
            "SELECT key, category FROM (
  SELECT s.key, v.category, row_number() OVER (PARTITION BY s.key ORDER BY v.ord) AS rn
  FROM {parts} s JOIN hf_vendor_infixes v
    ON length(s.k) > length(v.prefix) + length(v.suffix)
    AND left(s.k, length(v.prefix)) = v.prefix AND right(s.k, length(v.suffix)) = v.suffix
) WHERE rn = 1",
            parts = p("parts"),
        ),
    );
    views.add(
        &p("ranked"),
        format!(
            "SELECT k.key,
  coalesce(oe.category, ob.category) AS own_category,
  CASE WHEN oe.category IS NOT NULL THEN oe.canonical ELSE ob.canonical END AS own_canonical,
  CASE WHEN oe.category IS NOT NULL THEN oe.spec WHEN ob.category IS NOT NULL THEN 1 ELSE 0 END AS own_rank,
  vh.category AS vh_category, vh.spec AS vh_spec, vs.category AS vs_category, vs.spec AS vs_spec,
  vi.category AS vi_category
FROM {parts} k
LEFT JOIN {oe} oe ON oe.key = k.key
LEFT JOIN {ob} ob ON ob.key = k.key
LEFT JOIN {vh} vh ON vh.key = k.key
LEFT JOIN {vs} vs ON vs.key = k.key
LEFT JOIN {vi} vi ON vi.key = k.key",
            parts = p("parts"),
            oe = p("own_exact"),
            ob = p("own_brand"),
            vh = p("vendor_host"),
            vs = p("vendor_stem"),
            vi = p("vendor_infix"),
        ),
    );
    views.add(
        name,
        format!(
            "SELECT key,
  CASE WHEN vendor IS NOT NULL AND (own_category IS NULL OR own_category <> vendor) THEN vendor ELSE own_category END AS category,
  CASE WHEN vendor IS NOT NULL AND (own_category IS NULL OR own_category <> vendor) THEN NULL ELSE own_canonical END AS canonical
FROM (
  SELECT *, CASE
    WHEN vh_category IS NOT NULL THEN CASE WHEN vh_spec > own_rank THEN vh_category END
    WHEN own_rank < 4 AND vs_category IS NOT NULL THEN CASE WHEN vs_spec > own_rank THEN vs_category END
    WHEN own_rank = 0 THEN vi_category
  END AS vendor
  FROM {ranked}
)",
            ranked = p("ranked"),
        ),
    );
}
