//! `debrief-server`: the team server binary. A thin shell over the library:
//! parse arguments, open the stores, call one function, map the error to
//! one line on stderr and a non-zero exit.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use debrief_protocol::DeviceId;
use debrief_protocol::api::Role;
use debrief_server::clock::{now_ms, parse_duration_ms, parse_duration_or_zero_ms, rfc3339};
use debrief_server::config::DatabaseUrl;
use debrief_server::config::LogFormat;
use debrief_server::gc::{GcOptions, collect_media};
use debrief_server::ids::InviteCode;
use debrief_server::migrate::{self, Side};
use debrief_server::store::open::{self, Stores};
use debrief_server::store::{MetadataStore, NewInvite};
use debrief_server::{AppState, Settings};

#[derive(Debug, Parser)]
#[command(name = "debrief-server", version, about = "The Debrief team server")]
struct Cli {
    /// Where the database and media live.
    #[arg(
        long,
        global = true,
        env = "DEBRIEF_SERVER_DATA_DIR",
        default_value = "debrief-server-data"
    )]
    data_dir: PathBuf,
    /// TOML settings file (default: DATA_DIR/server.toml when it exists).
    #[arg(long, global = true, env = "DEBRIEF_SERVER_CONFIG")]
    config: Option<PathBuf>,
    /// Metadata in PostgreSQL, shared by several instances:
    /// postgres://USER:PASSWORD@HOST:PORT/DATABASE (add ?sslmode=require
    /// for TLS). Default: SQLite in the data dir.
    #[arg(
        long,
        global = true,
        env = "DEBRIEF_SERVER_DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    database_url: Option<String>,
    /// Media in an S3-compatible bucket: s3://BUCKET[/PREFIX], with the
    /// endpoint, region and credentials in AWS_ENDPOINT_URL, AWS_REGION,
    /// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (AWS_ALLOW_HTTP=true for
    /// a plain http:// endpoint). Default: the data dir's media folder.
    #[arg(
        long,
        global = true,
        env = "DEBRIEF_SERVER_MEDIA_URL",
        value_name = "URL"
    )]
    media_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API until SIGTERM or Ctrl-C.
    ///
    /// With --tls-cert and --tls-key the server speaks HTTPS itself (rustls);
    /// without them it speaks plain HTTP, for running behind a reverse proxy
    /// that terminates TLS (devices send tokens over plain HTTP only to
    /// loopback addresses). The first line on stdout is
    /// `debrief-server listening on http(s)://ADDR`. Also deletes stale
    /// partial uploads and, every `media_gc_interval_secs`, media no clip
    /// uses any more (see `gc`).
    Serve {
        /// Address to listen on (default 127.0.0.1:8640).
        #[arg(long, env = "DEBRIEF_SERVER_LISTEN")]
        listen: Option<SocketAddr>,
        /// Largest accepted upload in bytes (default 2 GiB).
        #[arg(long, env = "DEBRIEF_SERVER_MAX_UPLOAD_BYTES")]
        max_upload_bytes: Option<u64>,
        /// Log format on stderr.
        #[arg(long, env = "DEBRIEF_SERVER_LOG_FORMAT", value_enum)]
        log_format: Option<LogFormat>,
        /// Serve HTTPS with this PEM certificate chain (server certificate
        /// first, then intermediates). Needs --tls-key.
        #[arg(long, env = "DEBRIEF_SERVER_TLS_CERT", value_name = "FILE")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key of --tls-cert: PKCS#8, PKCS#1 (RSA) or SEC1
        /// (EC), unencrypted.
        #[arg(long, env = "DEBRIEF_SERVER_TLS_KEY", value_name = "FILE")]
        tls_key: Option<PathBuf>,
    },
    /// Manage teams.
    Team {
        #[command(subcommand)]
        command: TeamCommand,
    },
    /// Make an invite code; the code is the last line printed.
    Invite {
        #[arg(long)]
        team: String,
        /// member, manager or admin.
        #[arg(long, default_value = "member")]
        role: Role,
        /// How long the code works, e.g. 30m, 12h, 7d.
        #[arg(long, default_value = "7d")]
        expires: String,
        /// How many devices may join with it.
        #[arg(long, default_value_t = 1)]
        uses: u32,
    },
    /// List joined devices.
    Devices {
        #[arg(long)]
        team: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a device's token; the device wipes the team's data when it
    /// next talks to the server.
    Revoke { device_id: DeviceId },
    /// Copy everything (teams, members, devices, invites, clips, ops,
    /// comments, challenges, playbook entries and media) from the stores
    /// in use now to new ones, e.g. from the data dir's SQLite and folder
    /// to PostgreSQL and S3, then verify the copy: row counts, and every
    /// media file's SHA-256. Stop the servers first. Safe to run again
    /// after an interruption: it copies only what is missing and never
    /// duplicates anything. Prints a line per media file and table, then a
    /// summary as the last line.
    Migrate {
        /// Where metadata goes (postgres://... or sqlite:///PATH).
        #[arg(long, value_name = "URL")]
        to_database_url: Option<String>,
        /// Where media goes (s3://BUCKET[/PREFIX] or file:///PATH); omit
        /// to keep media where it is.
        #[arg(long, value_name = "URL")]
        to_media_url: Option<String>,
    },
    /// Delete media that no clip uses any more, now (a running server also
    /// does this every `media_gc_interval_secs`).
    ///
    /// A team keeps content while any of its live clips uses it (as video
    /// or thumbnail), for the grace period after the last such clip was
    /// deleted, and for the grace period after its last upload of it
    /// (devices may upload before they create the clip). A file shared by
    /// several teams is deleted when no team keeps it. Safe to run beside a
    /// serving server. Prints one line per file, then a summary as the
    /// last line: how many files and bytes were removed.
    Gc {
        /// Only report what would be removed.
        #[arg(long)]
        dry_run: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Grace period, e.g. 12h, 7d or 0s (default: the
        /// `media_gc_grace_secs` setting, 7d).
        #[arg(long)]
        grace: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum TeamCommand {
    /// Create a team; its id is the last line printed.
    Create { name: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    let mut settings = Settings::load(cli.config.as_deref(), &cli.data_dir)?;
    if let Some(url) = cli.database_url {
        settings.database_url = Some(DatabaseUrl(url));
    }
    if let Some(url) = cli.media_url {
        settings.media_url = Some(url);
    }
    let stores = settings.open_stores(&cli.data_dir).await?;
    let (meta, blobs) = (stores.meta.clone(), stores.blobs.clone());
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Serve {
            listen,
            max_upload_bytes,
            log_format,
            tls_cert,
            tls_key,
        } => {
            if let Some(l) = listen {
                settings.listen = l;
            }
            if let Some(m) = max_upload_bytes {
                settings.max_upload_bytes = m;
            }
            if let Some(f) = log_format {
                settings.log_format = f;
            }
            if tls_cert.is_some() || tls_key.is_some() {
                settings.tls_cert = tls_cert.or(settings.tls_cert);
                settings.tls_key = tls_key.or(settings.tls_key);
            }
            drop(out);
            serve(settings, meta, blobs).await?;
        }
        Command::Team {
            command: TeamCommand::Create { name },
        } => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 80 {
                bail!("a team name needs 1 to 80 characters");
            }
            let team = meta.create_team(name, now_ms()).await?;
            writeln!(out, "created team '{}'", team.name)?;
            writeln!(out, "{}", team.id)?;
        }
        Command::Invite {
            team,
            role,
            expires,
            uses,
        } => {
            if uses == 0 {
                bail!("--uses must be at least 1");
            }
            let ttl = parse_duration_ms(&expires)?;
            let team = meta.team_by_name(&team).await?;
            let code = InviteCode::new();
            let expires_ms = now_ms() + ttl;
            let invite = NewInvite {
                team_id: team.id,
                code_hash: code.hash(),
                role,
                max_uses: uses,
                expires_ms,
            };
            meta.create_invite(invite, now_ms()).await?;
            writeln!(
                out,
                "invite to team '{}' as {role}: {uses} use(s), expires {}",
                team.name,
                rfc3339(expires_ms)
            )?;
            writeln!(out, "{}", code.expose())?;
        }
        Command::Devices { team, json } => {
            let team_id = match team {
                Some(name) => Some(meta.team_by_name(&name).await?.id),
                None => None,
            };
            let devices = meta.list_devices(team_id).await?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&devices)?)?;
            } else {
                for d in devices {
                    let state = match d.revoked_ms {
                        Some(ms) => format!("revoked {}", rfc3339(ms)),
                        None => format!("last seen {}", rfc3339(d.last_seen_ms)),
                    };
                    writeln!(
                        out,
                        "{}  {}  {} ({}, {})  {}",
                        d.device_id, d.team_name, d.display_name, d.role, d.device_name, state
                    )?;
                }
            }
        }
        Command::Gc {
            dry_run,
            json,
            grace,
        } => {
            let mut opts = GcOptions::new(settings.media_gc_grace_secs, dry_run);
            if let Some(g) = grace {
                opts.grace_ms = parse_duration_or_zero_ms(&g)?;
            }
            let report = collect_media(meta.as_ref(), blobs.as_ref(), opts).await?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
            } else {
                let verb = if dry_run { "would remove" } else { "removed" };
                for m in &report.removed {
                    writeln!(
                        out,
                        "{verb} {}  {} bytes  ({})",
                        m.sha256,
                        m.bytes,
                        m.reason.as_str()
                    )?;
                }
                writeln!(out, "{}", report.summary())?;
            }
        }
        Command::Migrate {
            to_database_url,
            to_media_url,
        } => {
            drop(out);
            migrate(
                &stores,
                &settings,
                &cli.data_dir,
                to_database_url,
                to_media_url,
            )
            .await?;
        }
        Command::Revoke { device_id } => {
            let d = meta.revoke_device(device_id, now_ms()).await?;
            writeln!(
                out,
                "revoked device {} ('{}' of {} in team '{}')",
                d.device_id, d.device_name, d.display_name, d.team_name
            )?;
        }
    }
    Ok(())
}

async fn migrate(
    from: &Stores,
    settings: &Settings,
    data_dir: &std::path::Path,
    to_database_url: Option<String>,
    to_media_url: Option<String>,
) -> Result<()> {
    if to_database_url.is_none() && to_media_url.is_none() {
        bail!(
            "say where to move with --to-database-url (e.g. postgres://USER:PASSWORD@HOST/DB) \
             and/or --to-media-url (e.g. s3://BUCKET/PREFIX)"
        );
    }
    let to_meta_target = match &to_database_url {
        Some(url) => open::database_target(Some(url), data_dir)?,
        None => from.meta_target.clone(),
    };
    let to_media_target = match &to_media_url {
        Some(url) => open::media_target(Some(url), data_dir)?,
        None => from.media_target.clone(),
    };
    if to_meta_target == from.meta_target && to_media_target == from.media_target {
        bail!("the target is where the data is now: name a different database or media store");
    }
    if to_meta_target == from.meta_target {
        bail!(
            "--to-database-url names the database in use now: give a new one to copy the metadata to"
        );
    }
    let copy_media = to_media_target != from.media_target;
    let to = Side {
        meta: open::open_metadata(&to_meta_target, settings.database_pool_size).await?,
        blobs: if copy_media {
            open::open_media(&to_media_target).await?
        } else {
            from.blobs.clone()
        },
    };
    let from = Side {
        meta: from.meta.clone(),
        blobs: from.blobs.clone(),
    };
    let mut print = |p: migrate::Progress| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{p}");
        let _ = out.flush();
    };
    let report = migrate::migrate(&from, &to, copy_media, &mut print).await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", report.summary())?;
    Ok(())
}

async fn serve(
    settings: Settings,
    meta: Arc<dyn MetadataStore>,
    blobs: Arc<dyn debrief_server::store::BlobStore>,
) -> Result<()> {
    init_logging(settings.log_format);
    // Certificate problems stop the server before it listens.
    let tls = match settings.tls_files()? {
        Some(files) => Some(files.load()?),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!(%addr, scheme, "debrief-server listening");
    tracing::info!(
        metadata = %settings.database_url.as_ref().map_or("SQLite in the data dir".to_string(), |u| debrief_server::store::open::redact(&u.0)),
        media = %settings.media_url.as_deref().unwrap_or("the data dir's media folder"),
        "stores"
    );
    // Scripts and tests read the address from this line.
    println!("debrief-server listening on {scheme}://{addr}");
    std::io::stdout().flush()?;
    let state = AppState::new(meta, blobs, settings);
    match tls {
        Some(config) => {
            debrief_server::serve_tls(listener, config, state, shutdown_signal()).await?;
        }
        None => debrief_server::serve(listener, state, shutdown_signal()).await?,
    }
    tracing::info!("debrief-server stopped");
    Ok(())
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("DEBRIEF_SERVER_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
