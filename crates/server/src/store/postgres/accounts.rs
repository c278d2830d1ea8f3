//! Teams, invites, members, devices and token authentication in
//! PostgreSQL.
//!
//! Redeeming an invite locks the invite's row (`FOR UPDATE`) for the whole
//! transaction, so two devices racing for the last use cannot both get in,
//! and a refused join leaves no member or device behind.

use debrief_protocol::DeviceId;
use debrief_protocol::api::{MemberInfo, Role, TeamId};
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgConnection, Row};

use super::{db, sqlstate};
use crate::store::{
    Caller, DeviceRecord, Joined, NewInvite, NewMembership, StoreError, StoreResult, TeamRecord,
};

/// Parse a stored id or enum; a bad value is a corrupt database.
pub(crate) fn parse<T: std::str::FromStr>(s: &str) -> StoreResult<T>
where
    T::Err: std::fmt::Display,
{
    s.parse::<T>()
        .map_err(|e| StoreError::Backend(format!("corrupt value '{s}' in the database: {e}")))
}

pub(crate) fn col<'r, T>(r: &'r PgRow, i: usize) -> StoreResult<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    r.try_get(i).map_err(db)
}

fn team_from_row(r: &PgRow) -> StoreResult<TeamRecord> {
    Ok(TeamRecord {
        id: parse(&col::<String>(r, 0)?)?,
        name: col(r, 1)?,
        created_ms: col(r, 2)?,
    })
}

pub async fn create_team(c: &mut PgConnection, name: &str, now_ms: i64) -> StoreResult<TeamRecord> {
    let exists: Option<String> =
        sqlx::query_scalar("SELECT name FROM teams WHERE lower(name) = lower($1)")
            .bind(name)
            .fetch_optional(&mut *c)
            .await
            .map_err(db)?;
    let taken = |existing: &str| {
        StoreError::Conflict(format!(
            "a team named '{existing}' already exists (team names ignore case)"
        ))
    };
    if let Some(existing) = exists {
        return Err(taken(&existing));
    }
    let team = TeamRecord {
        id: TeamId::new(),
        name: name.to_string(),
        created_ms: now_ms,
    };
    let inserted = sqlx::query("INSERT INTO teams (id, name, created_ms) VALUES ($1, $2, $3)")
        .bind(team.id.to_string())
        .bind(&team.name)
        .bind(now_ms)
        .execute(&mut *c)
        .await;
    match inserted {
        Ok(_) => Ok(team),
        // Another instance created it between the check and the insert.
        Err(e) if sqlstate(&e).as_deref() == Some("23505") => Err(taken(name)),
        Err(e) => Err(db(e)),
    }
}

pub async fn team_by_name(c: &mut PgConnection, name: &str) -> StoreResult<TeamRecord> {
    let row = sqlx::query("SELECT id, name, created_ms FROM teams WHERE lower(name) = lower($1)")
        .bind(name)
        .fetch_optional(&mut *c)
        .await
        .map_err(db)?;
    match row {
        Some(r) => team_from_row(&r),
        None => Err(StoreError::NotFound(format!(
            "no team named '{name}' (create it with: debrief-server team create '{name}')"
        ))),
    }
}

pub async fn create_invite(c: &mut PgConnection, i: &NewInvite, now_ms: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO invites (code_hash, team_id, role, max_uses, expires_ms, created_ms) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&i.code_hash)
    .bind(i.team_id.to_string())
    .bind(i.role.as_str())
    .bind(i64::from(i.max_uses))
    .bind(i.expires_ms)
    .bind(now_ms)
    .execute(&mut *c)
    .await
    .map_err(db)?;
    Ok(())
}

pub async fn redeem_invite(c: &mut PgConnection, j: &NewMembership) -> StoreResult<Joined> {
    let invite = sqlx::query(
        "SELECT team_id, role, max_uses, uses, expires_ms FROM invites WHERE code_hash = $1 FOR UPDATE",
    )
    .bind(&j.code_hash)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?;
    let Some(invite) = invite else {
        return Err(StoreError::NotFound(
            "invite code not found: check it was typed completely, or ask your team admin for a new one"
                .into(),
        ));
    };
    let team_id: String = col(&invite, 0)?;
    let role: String = col(&invite, 1)?;
    let (max_uses, uses, expires_ms): (i64, i64, i64) =
        (col(&invite, 2)?, col(&invite, 3)?, col(&invite, 4)?);
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
    let taken: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM devices WHERE id = $1)")
        .bind(j.device_id.to_string())
        .fetch_one(&mut *c)
        .await
        .map_err(db)?;
    if taken {
        return Err(StoreError::Conflict(format!(
            "device {} has already joined; a device joins once (leave first, or join without device_id)",
            j.device_id
        )));
    }
    sqlx::query("UPDATE invites SET uses = uses + 1 WHERE code_hash = $1")
        .bind(&j.code_hash)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    sqlx::query(
        "INSERT INTO members (id, team_id, display_name, role, created_ms) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(j.member_id.to_string())
    .bind(&team_id)
    .bind(&j.display_name)
    .bind(&role)
    .bind(j.now_ms)
    .execute(&mut *c)
    .await
    .map_err(db)?;
    sqlx::query(
        "INSERT INTO devices (id, team_id, member_id, name, token_hash, created_ms, last_seen_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(j.device_id.to_string())
    .bind(&team_id)
    .bind(j.member_id.to_string())
    .bind(&j.device_name)
    .bind(&j.token_hash)
    .bind(j.now_ms)
    .execute(&mut *c)
    .await
    .map_err(db)?;
    let team = sqlx::query("SELECT id, name, created_ms FROM teams WHERE id = $1")
        .bind(&team_id)
        .fetch_one(&mut *c)
        .await
        .map_err(db)?;
    Ok(Joined {
        team: team_from_row(&team)?,
        role: parse(&role)?,
    })
}

pub async fn authenticate(c: &mut PgConnection, token_hash: &str) -> StoreResult<Caller> {
    let row = sqlx::query(
        "SELECT d.id, d.revoked_ms, d.last_seen_ms, t.id, t.name, m.id, m.display_name, m.role \
         FROM devices d JOIN members m ON m.id = d.member_id JOIN teams t ON t.id = d.team_id \
         WHERE d.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?;
    let Some(r) = row else {
        return Err(StoreError::NotFound("unknown device token".into()));
    };
    let device: DeviceId = parse(&col::<String>(&r, 0)?)?;
    if col::<Option<i64>>(&r, 1)?.is_some() {
        return Err(StoreError::Revoked(device));
    }
    Ok(Caller {
        device_id: device,
        last_seen_ms: col(&r, 2)?,
        team_id: parse(&col::<String>(&r, 3)?)?,
        team_name: col(&r, 4)?,
        member_id: parse(&col::<String>(&r, 5)?)?,
        display_name: col(&r, 6)?,
        role: parse::<Role>(&col::<String>(&r, 7)?)?,
    })
}

pub async fn touch_device(c: &mut PgConnection, device: DeviceId, now_ms: i64) -> StoreResult<()> {
    sqlx::query("UPDATE devices SET last_seen_ms = GREATEST(last_seen_ms, $2) WHERE id = $1")
        .bind(device.to_string())
        .bind(now_ms)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    Ok(())
}

const DEVICE_SELECT: &str = "SELECT d.id, d.name, t.id, t.name, m.id, m.display_name, m.role, \
     d.created_ms, d.last_seen_ms, d.revoked_ms \
     FROM devices d JOIN members m ON m.id = d.member_id JOIN teams t ON t.id = d.team_id";

fn device_from_row(r: &PgRow) -> StoreResult<DeviceRecord> {
    Ok(DeviceRecord {
        device_id: parse(&col::<String>(r, 0)?)?,
        device_name: col(r, 1)?,
        team_id: parse(&col::<String>(r, 2)?)?,
        team_name: col(r, 3)?,
        member_id: parse(&col::<String>(r, 4)?)?,
        display_name: col(r, 5)?,
        role: parse(&col::<String>(r, 6)?)?,
        created_ms: col(r, 7)?,
        last_seen_ms: col(r, 8)?,
        revoked_ms: col(r, 9)?,
    })
}

pub async fn list_devices(
    c: &mut PgConnection,
    team: Option<TeamId>,
) -> StoreResult<Vec<DeviceRecord>> {
    // Team names sort ignoring case, as SQLite's NOCASE column does.
    let sql = format!(
        "{DEVICE_SELECT} WHERE $1::text IS NULL OR d.team_id = $1 \
         ORDER BY lower(t.name) COLLATE \"C\", d.created_ms, d.id"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(team.map(|t| t.to_string()))
        .fetch_all(&mut *c)
        .await
        .map_err(db)?;
    rows.iter().map(device_from_row).collect()
}

pub async fn revoke_device(
    c: &mut PgConnection,
    device: DeviceId,
    now_ms: i64,
) -> StoreResult<DeviceRecord> {
    let changed =
        sqlx::query("UPDATE devices SET revoked_ms = $2 WHERE id = $1 AND revoked_ms IS NULL")
            .bind(device.to_string())
            .bind(now_ms)
            .execute(&mut *c)
            .await
            .map_err(db)?
            .rows_affected();
    let row = sqlx::query(AssertSqlSafe(format!("{DEVICE_SELECT} WHERE d.id = $1")))
        .bind(device.to_string())
        .fetch_optional(&mut *c)
        .await
        .map_err(db)?;
    let Some(row) = row else {
        return Err(StoreError::NotFound(format!(
            "no device {device} (list devices with: debrief-server devices)"
        )));
    };
    if changed == 0 {
        return Err(StoreError::Conflict(format!(
            "device {device} was already revoked"
        )));
    }
    device_from_row(&row)
}

/// The team's members that still have a device that is not revoked, by name.
pub async fn list_members(c: &mut PgConnection, team: TeamId) -> StoreResult<Vec<MemberInfo>> {
    let rows = sqlx::query(
        "SELECT m.id, m.display_name, m.role FROM members m WHERE m.team_id = $1 \
         AND EXISTS (SELECT 1 FROM devices d WHERE d.member_id = m.id AND d.revoked_ms IS NULL) \
         ORDER BY m.display_name COLLATE \"C\", m.id",
    )
    .bind(team.to_string())
    .fetch_all(&mut *c)
    .await
    .map_err(db)?;
    rows.iter()
        .map(|r| {
            Ok(MemberInfo {
                member_id: parse(&col::<String>(r, 0)?)?,
                display_name: col(r, 1)?,
                role: parse(&col::<String>(r, 2)?)?,
            })
        })
        .collect()
}
