//! `sessions.parquet`: one row per human session of the period, for ad-hoc SQL (DuckDB etc.).
//! Per shard a session sink (`ShardRecords`, next to the figures' sink) keeps those sessions as
//! records; the writer encodes them on a thread of its own.

use hitflow_schema::time::MS_PER_SECOND;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};

use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::{add_encoded_arrow_schema_to_metadata, ArrowSchemaConverter};
use parquet::basic::Compression;
use parquet::data_type::{BoolType, DoubleType, Int32Type, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::{SerializedColumnWriter, SerializedFileWriter};

use rustc_hash::FxHashMap;

use super::dictionary_column::DictionaryEncoder;
use super::OutputError;
use crate::figures::local_time::LocalClock;
use crate::figures::site::Periods;
use crate::rows::{Tables, CLIENT_BROWSER, CLIENT_COUNTRY, CLIENT_DEVICE, CLIENT_OS};
use crate::sessions::lookup::Lookup;
use crate::sessions::session::{EndReason, PageView, Session, SessionSink};

/// Column names of `sessions.parquet` (documented in README).
pub const COLUMNS: [&str; 24] = [
    "site",
    "visitor_id",
    "start",
    "end",
    "duration_s",
    "engaged_s",
    "hits",
    "pageviews",
    "events",
    "landing_page",
    "exit_page",
    "channel",
    "source",
    "medium",
    "campaign",
    "device",
    "browser",
    "os",
    "country",
    "is_bounce",
    "is_engaged",
    "converted",
    "revenue",
    "end_reason",
];

fn schema() -> SchemaRef {
    let ts = DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()));
    let types = [
        DataType::Utf8,
        DataType::UInt64,
        ts.clone(),
        ts,
        DataType::Float64,
        DataType::Float64,
        DataType::UInt32,
        DataType::UInt32,
        DataType::UInt32,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Boolean,
        DataType::Boolean,
        DataType::Boolean,
        DataType::Float64,
        DataType::Utf8,
    ];
    Arc::new(Schema::new(
        COLUMNS
            .iter()
            .zip(types)
            .map(|(name, t)| Field::new(*name, t, true))
            .collect::<Vec<_>>(),
    ))
}

/// A session as written: its strings as ids, resolved when a batch is encoded.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    text: [u32; 11],
    visitor: u64,
    start: i64,
    end: i64,
    duration_ms: i64,
    engaged_ms: u64,
    counts: [u32; 3],
    flags: [bool; 3],
    revenue: f64,
    end_reason: EndReason,
}

impl SessionRecord {
    pub fn new(s: &Session, engaged: bool, lookup: &Lookup, tables: &Tables) -> Self {
        let attr = lookup.attr(s.attr);
        let client = tables.clients.get(s.client);
        SessionRecord {
            text: [
                s.site,
                s.landing,
                s.exit,
                attr.channel,
                attr.source,
                attr.medium,
                attr.campaign,
                client[CLIENT_DEVICE],
                client[CLIENT_BROWSER],
                client[CLIENT_OS],
                client[CLIENT_COUNTRY],
            ],
            visitor: s.visitor,
            start: s.start,
            end: s.end,
            duration_ms: s.duration_ms,
            engaged_ms: s.engaged_ms,
            counts: [s.hits, s.pageviews, s.events],
            flags: [s.is_bounce(), engaged, s.converted()],
            revenue: s.revenue,
            end_reason: s.end_reason,
        }
    }
}

/// What the records sink needs to know of the run.
pub struct RecordContext<'a> {
    /// `run --site`: the string id of the one site written (`None`: every site).
    pub only_site: Option<u32>,
    pub lookup: &'a Lookup,
    pub tables: &'a Tables,
    pub periods: Periods,
    pub engaged_ms: i64,
}

/// One shard's human sessions of the current period not yet handed to the writer.
#[derive(Default)]
pub struct ShardRecords {
    records: Vec<SessionRecord>,
    /// Per site id: its local clock (the period is in local days).
    clocks: FxHashMap<u32, LocalClock>,
}

impl ShardRecords {
    /// A sink for one push.
    pub fn sink<'a>(&'a mut self, ctx: &'a RecordContext<'a>) -> RecordSink<'a> {
        RecordSink { state: self, ctx }
    }

    /// The records kept since the last call.
    pub fn take(&mut self) -> Vec<SessionRecord> {
        std::mem::take(&mut self.records)
    }
}

pub struct RecordSink<'a> {
    state: &'a mut ShardRecords,
    ctx: &'a RecordContext<'a>,
}

impl SessionSink for RecordSink<'_> {
    fn add(&mut self, session: &Session, _pages: &[PageView]) {
        let ctx = self.ctx;
        if ctx.only_site.is_some_and(|site| site != session.site) || !ctx.lookup.counts_as_human(session) {
            return;
        }
        let clock = self
            .state
            .clocks
            .entry(session.site)
            .or_insert_with(|| LocalClock::new(ctx.lookup.site_tz(session.site)));
        if ctx.periods.is_current(clock.day(session.start)) {
            let engaged = session.is_engaged(ctx.engaged_ms);
            self.state
                .records
                .push(SessionRecord::new(session, engaged, ctx.lookup, ctx.tables));
        }
    }
}

/// Writes `sessions.parquet` on a thread of its own, so encoding overlaps with reading and
/// sessionizing. Records carry string ids; the new strings travel with each batch.
pub struct SessionsWriter {
    tx: Option<mpsc::SyncSender<Batch>>,
    thread: Option<std::thread::JoinHandle<Result<u64, OutputError>>>,
    strings_sent: usize,
    path: PathBuf,
}

struct Batch {
    new_strings: Vec<Box<str>>,
    records: Vec<SessionRecord>,
}

impl SessionsWriter {
    pub fn create(path: &Path) -> Result<Self, OutputError> {
        let file = File::create(path).map_err(|e| OutputError::io(path, e))?;
        let mut encoder = Encoder::new(file).map_err(|e| OutputError::parquet(path, e))?;
        let (tx, rx) = mpsc::sync_channel::<Batch>(4);
        let owned = path.to_owned();
        let thread = std::thread::Builder::new()
            .name("sessions.parquet".into())
            .spawn(move || {
                for batch in rx {
                    encoder.add(batch).map_err(|e| OutputError::parquet(&owned, e))?;
                }
                encoder.finish().map_err(|e| OutputError::parquet(&owned, e))
            })
            .map_err(|e| OutputError::io(path, e))?;
        Ok(SessionsWriter {
            tx: Some(tx),
            thread: Some(thread),
            strings_sent: 0,
            path: path.to_owned(),
        })
    }

    /// Queues records for writing; `tables` resolves their string ids.
    pub fn write(&mut self, records: Vec<SessionRecord>, tables: &Tables) -> Result<(), OutputError> {
        let new_strings: Vec<Box<str>> = tables.strings.values().skip(self.strings_sent).map(Box::from).collect();
        self.strings_sent += new_strings.len();
        let sent = self
            .tx
            .as_ref()
            .is_some_and(|tx| tx.send(Batch { new_strings, records }).is_ok());
        if sent {
            Ok(())
        } else {
            // The writer stopped: its error says why.
            self.join().and_then(|_| {
                Err(OutputError::io(
                    &self.path,
                    std::io::Error::other("the sessions.parquet writer stopped"),
                ))
            })
        }
    }

    /// Finishes the file and returns the rows written.
    pub fn finish(mut self) -> Result<u64, OutputError> {
        self.join()
    }

    fn join(&mut self) -> Result<u64, OutputError> {
        drop(self.tx.take());
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(OutputError::io(
                &self.path,
                std::io::Error::other("the sessions.parquet writer panicked"),
            )),
            None => Ok(0),
        }
    }
}

/// Row groups of `ROW_GROUP_ROWS` sessions; string columns through `DictionaryEncoder`, the
/// others through the plain column writers (PLAIN + Snappy: ids, times and durations hardly
/// repeat).
struct Encoder {
    writer: SerializedFileWriter<BufWriter<File>>,
    strings: Vec<Box<str>>,
    pending: Columns,
    dictionary: DictionaryEncoder,
    rows: u64,
}

/// Records not yet written, by column: each record is read once, when it arrives, and a row
/// group encodes column slices (reading 24 columns out of wide records costs 24 passes).
#[derive(Default)]
struct Columns {
    /// In `SessionRecord::text` order.
    text: [Vec<u32>; 11],
    visitor: Vec<i64>,
    start: Vec<i64>,
    end: Vec<i64>,
    duration_s: Vec<f64>,
    engaged_s: Vec<f64>,
    /// hits, pageviews, events.
    counts: [Vec<i32>; 3],
    /// is_bounce, is_engaged, converted.
    flags: [Vec<bool>; 3],
    revenue: Vec<f64>,
    /// Index into `end_reason_names()`.
    end_reason: Vec<u32>,
}

impl Columns {
    fn len(&self) -> usize {
        self.visitor.len()
    }

    fn push(&mut self, r: &SessionRecord) {
        for (column, &id) in self.text.iter_mut().zip(&r.text) {
            column.push(id);
        }
        self.visitor.push(r.visitor as i64);
        self.start.push(r.start);
        self.end.push(r.end);
        self.duration_s.push(r.duration_ms as f64 / MS_PER_SECOND as f64);
        self.engaged_s.push(r.engaged_ms as f64 / MS_PER_SECOND as f64);
        for (column, &n) in self.counts.iter_mut().zip(&r.counts) {
            column.push(n as i32);
        }
        for (column, &flag) in self.flags.iter_mut().zip(&r.flags) {
            column.push(flag);
        }
        self.revenue.push(r.revenue);
        self.end_reason.push(r.end_reason as u32 + 1);
    }

    /// Removes the first `n` rows.
    fn drain_front(&mut self, n: usize) {
        fn front<T>(v: &mut Vec<T>, n: usize) {
            v.drain(..n.min(v.len()));
        }
        self.text.iter_mut().for_each(|c| front(c, n));
        front(&mut self.visitor, n);
        front(&mut self.start, n);
        front(&mut self.end, n);
        front(&mut self.duration_s, n);
        front(&mut self.engaged_s, n);
        self.counts.iter_mut().for_each(|c| front(c, n));
        self.flags.iter_mut().for_each(|c| front(c, n));
        front(&mut self.revenue, n);
        front(&mut self.end_reason, n);
    }
}

/// The `end_reason` dictionary: id 0 is null, then every reason.
fn end_reason_names() -> Vec<&'static str> {
    std::iter::once("")
        .chain(EndReason::ALL.iter().map(|r| r.as_str()))
        .collect()
}

const ROW_GROUP_ROWS: usize = 256 * 1024;
/// Positions of the string columns in `COLUMNS`, in `SessionRecord::text` order.
const TEXT_COLUMNS: [usize; 11] = [0, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
const END_REASON_COLUMN: usize = 23;

impl Encoder {
    fn new(file: File) -> Result<Self, ParquetError> {
        let arrow_schema = schema();
        let parquet_schema = ArrowSchemaConverter::new().convert(&arrow_schema)?;
        let mut props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_dictionary_enabled(false)
            .set_statistics_enabled(EnabledStatistics::None)
            .set_offset_index_disabled(true)
            // Ids, times and durations hardly compress: Snappy would only cost time there.
            .set_column_compression("visitor_id".into(), Compression::UNCOMPRESSED)
            .set_column_compression("start".into(), Compression::UNCOMPRESSED)
            .set_column_compression("end".into(), Compression::UNCOMPRESSED)
            .set_column_compression("duration_s".into(), Compression::UNCOMPRESSED)
            .set_column_compression("engaged_s".into(), Compression::UNCOMPRESSED)
            .set_created_by(format!("hitflow {}", env!("CARGO_PKG_VERSION")))
            .build();
        add_encoded_arrow_schema_to_metadata(&arrow_schema, &mut props);
        let writer =
            SerializedFileWriter::new(BufWriter::new(file), parquet_schema.root_schema_ptr(), Arc::new(props))?;
        Ok(Encoder {
            writer,
            strings: Vec::new(),
            pending: Columns::default(),
            dictionary: DictionaryEncoder::default(),
            rows: 0,
        })
    }

    fn add(&mut self, batch: Batch) -> Result<(), ParquetError> {
        self.strings.extend(batch.new_strings);
        for record in &batch.records {
            self.pending.push(record);
        }
        while self.pending.len() >= ROW_GROUP_ROWS {
            self.write_row_group(ROW_GROUP_ROWS)?;
            self.pending.drain_front(ROW_GROUP_ROWS);
        }
        Ok(())
    }

    fn finish(mut self) -> Result<u64, ParquetError> {
        let rest = self.pending.len();
        if rest > 0 {
            self.write_row_group(rest)?;
        }
        self.writer.close()?;
        Ok(self.rows)
    }

    /// Writes the first `n` pending rows as a row group.
    fn write_row_group(&mut self, n: usize) -> Result<(), ParquetError> {
        let descriptors: Vec<_> = (0..COLUMNS.len())
            .map(|i| self.writer.schema_descr().column(i))
            .collect();
        let levels = vec![1i16; n];
        let c = &self.pending;
        let mut group = self.writer.next_row_group()?;
        for (index, descr) in descriptors.into_iter().enumerate() {
            if let Some(slot) = TEXT_COLUMNS.iter().position(|&t| t == index) {
                let (bytes, close) = self.dictionary.encode(descr, &c.text[slot][..n], &self.strings)?;
                group.append_column(&bytes, close)?;
                continue;
            }
            if index == END_REASON_COLUMN {
                let (bytes, close) = self.dictionary.encode(descr, &c.end_reason[..n], &end_reason_names())?;
                group.append_column(&bytes, close)?;
                continue;
            }
            let mut column = group
                .next_column()?
                .ok_or_else(|| ParquetError::General("sessions.parquet: fewer columns than expected".into()))?;
            let defs = Some(&levels[..]);
            let typed = &mut column;
            match index {
                1 => write::<Int64Type>(typed, &c.visitor[..n], defs)?,
                2 => write::<Int64Type>(typed, &c.start[..n], defs)?,
                3 => write::<Int64Type>(typed, &c.end[..n], defs)?,
                4 => write::<DoubleType>(typed, &c.duration_s[..n], defs)?,
                5 => write::<DoubleType>(typed, &c.engaged_s[..n], defs)?,
                6..=8 => write::<Int32Type>(typed, &c.counts[index - 6][..n], defs)?,
                19..=21 => write::<BoolType>(typed, &c.flags[index - 19][..n], defs)?,
                22 => write::<DoubleType>(typed, &c.revenue[..n], defs)?,
                other => {
                    return Err(ParquetError::General(format!(
                        "sessions.parquet: no writer for column {other}"
                    )))
                }
            }
            column.close()?;
        }
        group.close()?;
        self.rows += n as u64;
        Ok(())
    }
}

fn write<T: parquet::data_type::DataType>(
    column: &mut SerializedColumnWriter<'_>,
    values: &[T::T],
    levels: Option<&[i16]>,
) -> Result<(), ParquetError> {
    column.typed::<T>().write_batch(values, levels, None)?;
    Ok(())
}
