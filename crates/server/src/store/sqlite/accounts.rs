//! Teams, invites, members, devices and token authentication in SQLite.
//!
//! Redeeming an invite is one IMMEDIATE transaction: the use is counted
//! with a conditional UPDATE (uses < max_uses and not expired), so two
//! devices racing for the last use cannot both get in, and a refused join
//! leaves no member or device behind.

use debrief_protocol::DeviceId;
use debrief_protocol::api::{MemberId, MemberInfo, Role, TeamId};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::db;
use crate::store::{
    Caller, DeviceRecord, Joined, NewInvite, NewMembership, StoreError, StoreResult, TeamRecord,
};

pub(crate) fn parse<T: std::str::FromStr>(s: String) -> rusqlite::Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse::<T>().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            e.to_string().into(),
        )
    })
}

fn team_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TeamRecord> {
    Ok(TeamRecord {
        id: parse(r.get(0)?)?,
        name: r.get(1)?,
        created_ms: r.get(2)?,
    })
}

pub fn create_team(c: &mut Connection, name: &str, now_ms: i64) -> StoreResult<TeamRecord> {
    let exists: Option<String> = c
        .query_row("SELECT name FROM teams WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()
        .map_err(db)?;
    if let Some(existing) = exists {
        return Err(StoreError::Conflict(format!(
            "a team named '{existing}' already exists (team names ignore case)"
        )));
    }
    let team = TeamRecord {
        id: TeamId::new(),
        name: name.to_string(),
        created_ms: now_ms,
    };
    c.execute(
        "INSERT INTO teams (id, name, created_ms) VALUES (?1, ?2, ?3)",
        params![team.id.to_string(), team.name, now_ms],
    )
    .map_err(db)?;
    Ok(team)
}

pub fn team_by_name(c: &Connection, name: &str) -> StoreResult<TeamRecord> {
    c.query_row(
        "SELECT id, name, created_ms FROM teams WHERE name = ?1",
        [name],
        team_from_row,
    )
    .optional()
    .map_err(db)?
    .ok_or_else(|| {
        StoreError::NotFound(format!(
            "no team named '{name}' (create it with: debrief-server team create '{name}')"
        ))
    })
}

pub fn create_invite(c: &mut Connection, i: &NewInvite, now_ms: i64) -> StoreResult<()> {
    c.execute(
        "INSERT INTO invites (code_hash, team_id, role, max_uses, expires_ms, created_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            i.code_hash,
            i.team_id.to_string(),
            i.role.as_str(),
            i.max_uses,
            i.expires_ms,
            now_ms
        ],
    )
    .map_err(db)?;
    Ok(())
}

pub fn redeem_invite(c: &mut Connection, j: &NewMembership) -> StoreResult<Joined> {
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    let invite: Option<(String, String, i64, i64, i64)> = tx
        .query_row(
            "SELECT team_id, role, max_uses, uses, expires_ms FROM invites WHERE code_hash = ?1",
            [&j.code_hash],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()
        .map_err(db)?;
    let Some((team_id, role, max_uses, uses, expires_ms)) = invite else {
        return Err(StoreError::NotFound(
            "invite code not found: check it was typed completely, or ask your team admin for a new one"
                .into(),
        ));
    };
    if expires_ms <= j.now_ms {
        let when = crate::clock::rfc3339(expires_ms);
        return Err(StoreError::Gone(format!(
            "this invite code expired at {when}; ask your team admin for a new one"
        )));
    }
    if uses >= max_uses {
        return Err(StoreError::Gone(format!(
            "this invite code has been used {uses} of {max_uses} times; ask your team admin for a new one"
        )));
    }
    let taken: bool = tx
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM devices WHERE id = ?1)",
            [j.device_id.to_string()],
            |r| r.get(0),
        )
        .map_err(db)?;
    if taken {
        return Err(StoreError::Conflict(format!(
            "device {} has already joined; a device joins once (leave first, or join without device_id)",
            j.device_id
        )));
    }
    tx.execute(
        "UPDATE invites SET uses = uses + 1 WHERE code_hash = ?1",
        [&j.code_hash],
    )
    .map_err(db)?;
    tx.execute(
        "INSERT INTO members (id, team_id, display_name, role, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![j.member_id.to_string(), team_id, j.display_name, role, j.now_ms],
    )
    .map_err(db)?;
    tx.execute(
        "INSERT INTO devices (id, team_id, member_id, name, token_hash, created_ms, last_seen_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![
            j.device_id.to_string(),
            team_id,
            j.member_id.to_string(),
            j.device_name,
            j.token_hash,
            j.now_ms
        ],
    )
    .map_err(db)?;
    let team = tx
        .query_row(
            "SELECT id, name, created_ms FROM teams WHERE id = ?1",
            [&team_id],
            team_from_row,
        )
        .map_err(db)?;
    tx.commit().map_err(db)?;
    Ok(Joined {
        team,
        role: parse(role).map_err(db)?,
    })
}

pub fn authenticate(c: &Connection, token_hash: &str) -> StoreResult<Caller> {
    let row = c
        .query_row(
            "SELECT d.id, d.revoked_ms, d.last_seen_ms, t.id, t.name, m.id, m.display_name, m.role \
             FROM devices d JOIN members m ON m.id = d.member_id JOIN teams t ON t.id = d.team_id \
             WHERE d.token_hash = ?1",
            [token_hash],
            |r| {
                Ok((
                    parse::<DeviceId>(r.get(0)?)?,
                    r.get::<_, Option<i64>>(1)?,
                    Caller {
                        device_id: parse(r.get(0)?)?,
                        last_seen_ms: r.get(2)?,
                        team_id: parse(r.get(3)?)?,
                        team_name: r.get(4)?,
                        member_id: parse(r.get(5)?)?,
                        display_name: r.get(6)?,
                        role: parse::<Role>(r.get(7)?)?,
                    },
                ))
            },
        )
        .optional()
        .map_err(db)?;
    match row {
        None => Err(StoreError::NotFound("unknown device token".into())),
        Some((device, Some(_), _)) => Err(StoreError::Revoked(device)),
        Some((_, None, caller)) => Ok(caller),
    }
}

pub fn touch_device(c: &mut Connection, device: DeviceId, now_ms: i64) -> StoreResult<()> {
    c.execute(
        "UPDATE devices SET last_seen_ms = max(last_seen_ms, ?2) WHERE id = ?1",
        params![device.to_string(), now_ms],
    )
    .map_err(db)?;
    Ok(())
}

const DEVICE_SELECT: &str = "SELECT d.id, d.name, t.id, t.name, m.id, m.display_name, m.role, \
     d.created_ms, d.last_seen_ms, d.revoked_ms \
     FROM devices d JOIN members m ON m.id = d.member_id JOIN teams t ON t.id = d.team_id";

fn device_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRecord> {
    Ok(DeviceRecord {
        device_id: parse(r.get(0)?)?,
        device_name: r.get(1)?,
        team_id: parse(r.get(2)?)?,
        team_name: r.get(3)?,
        member_id: parse::<MemberId>(r.get(4)?)?,
        display_name: r.get(5)?,
        role: parse(r.get(6)?)?,
        created_ms: r.get(7)?,
        last_seen_ms: r.get(8)?,
        revoked_ms: r.get(9)?,
    })
}

pub fn list_devices(c: &Connection, team: Option<TeamId>) -> StoreResult<Vec<DeviceRecord>> {
    let sql = format!(
        "{DEVICE_SELECT} WHERE ?1 IS NULL OR d.team_id = ?1 ORDER BY t.name, d.created_ms, d.id"
    );
    let mut stmt = c.prepare(&sql).map_err(db)?;
    let rows = stmt
        .query_map([team.map(|t| t.to_string())], device_from_row)
        .map_err(db)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
}

pub fn revoke_device(
    c: &mut Connection,
    device: DeviceId,
    now_ms: i64,
) -> StoreResult<DeviceRecord> {
    let changed = c
        .execute(
            "UPDATE devices SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms IS NULL",
            params![device.to_string(), now_ms],
        )
        .map_err(db)?;
    let record = c
        .query_row(
            &format!("{DEVICE_SELECT} WHERE d.id = ?1"),
            [device.to_string()],
            device_from_row,
        )
        .optional()
        .map_err(db)?
        .ok_or_else(|| {
            StoreError::NotFound(format!(
                "no device {device} (list devices with: debrief-server devices)"
            ))
        })?;
    if changed == 0 {
        return Err(StoreError::Conflict(format!(
            "device {device} was already revoked"
        )));
    }
    Ok(record)
}

/// The team's members that still have a device that is not revoked (a
/// member whose every device was revoked has left, in effect), by name.
pub fn list_members(c: &Connection, team: TeamId) -> StoreResult<Vec<MemberInfo>> {
    let mut stmt = c
        .prepare_cached(
            "SELECT m.id, m.display_name, m.role FROM members m WHERE m.team_id = ?1 \
             AND EXISTS (SELECT 1 FROM devices d WHERE d.member_id = m.id AND d.revoked_ms IS NULL) \
             ORDER BY m.display_name, m.id",
        )
        .map_err(db)?;
    let rows = stmt
        .query_map([team.to_string()], |r| {
            Ok(MemberInfo {
                member_id: parse(r.get(0)?)?,
                display_name: r.get(1)?,
                role: parse(r.get(2)?)?,
            })
        })
        .map_err(db)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
}
