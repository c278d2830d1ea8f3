//! The write path: one IMMEDIATE transaction per user change, which also
//! advances the device's hybrid logical clock and appends the change's ops
//! to the outbox. Because the clock is read and written inside the same
//! transaction, two processes writing at once still issue strictly
//! increasing timestamps.

use debrief_protocol::hlc::wall_clock_ms;
use debrief_protocol::{DeviceId, Hlc, HlcClock, Op, OpBody, OpId};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use time::OffsetDateTime;

use crate::error::{LibraryError, Result};

pub(crate) struct Writer<'c> {
    pub tx: Transaction<'c>,
    clock: HlcClock,
    pub now: OffsetDateTime,
    pub ops: Vec<Op>,
}

pub(crate) fn read_hlc(conn: &Connection, device: DeviceId) -> Result<Hlc> {
    let stored: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'hlc'", [], |r| r.get(0))
        .optional()?;
    match stored {
        Some(s) => s
            .parse()
            .map_err(|e| LibraryError::Corrupt(format!("stored clock: {e}"))),
        None => Ok(Hlc::zero(device)),
    }
}

impl<'c> Writer<'c> {
    pub fn begin(conn: &'c mut Connection, device: DeviceId) -> Result<Self> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let last = read_hlc(&tx, device)?;
        Ok(Self {
            tx,
            clock: HlcClock::new(last),
            now: OffsetDateTime::now_utc(),
            ops: Vec::new(),
        })
    }

    /// Record one change: a fresh op id and HLC, appended to the outbox.
    pub fn emit(&mut self, body: OpBody) -> Result<Op> {
        self.emit_with_id(OpId::new(), body)
    }

    pub fn emit_with_id(&mut self, op_id: OpId, body: OpBody) -> Result<Op> {
        let hlc = self.clock.tick(wall_clock_ms());
        let op = Op { op_id, hlc, body };
        let json = serde_json::to_string(&op)
            .map_err(|e| LibraryError::InvalidInput(format!("cannot encode op: {e}")))?;
        self.tx.execute(
            "INSERT INTO outbox (op_id, hlc, clip_id, kind, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                op.op_id.to_string(),
                op.hlc.to_string(),
                op.body.target().id_string(),
                op.body.kind_name(),
                json,
                crate::clips::fmt_time(self.now)
            ],
        )?;
        self.ops.push(op.clone());
        Ok(op)
    }

    /// Merge a timestamp seen in a remote change, so later local ops order after it.
    pub fn observe(&mut self, remote: Hlc) {
        self.clock.observe(remote, wall_clock_ms());
    }

    pub fn commit(self) -> Result<Vec<Op>> {
        self.tx.execute(
            "INSERT INTO meta (key, value) VALUES ('hlc', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [self.clock.last().to_string()],
        )?;
        self.tx.commit()?;
        Ok(self.ops)
    }
}
