//! Several real `debrief-server` processes sharing one PostgreSQL database
//! and one S3 prefix, with Debian's nginx in front balancing round-robin:
//! the scaled-out deployment of the README, on loopback ports.
//!
//! PostgreSQL and the S3 server come from `scripts/scale-env.sh` (through
//! `DEBRIEF_TEST_DATABASE_URL`, `DEBRIEF_TEST_MEDIA_URL` and the `AWS_*`
//! variables); each [`Cluster`] makes its own database and key prefix.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::server::server_bin;

/// What `scripts/scale-env.sh` provides.
pub struct ScaleEnv {
    pub admin_url: String,
    pub bucket: String,
    pub nginx: PathBuf,
}

impl ScaleEnv {
    pub fn get() -> Self {
        let var = |k: &str| {
            std::env::var(k).unwrap_or_else(|_| {
                panic!("{k} is not set: run these tests through scripts/scale-test.sh")
            })
        };
        let media = var("DEBRIEF_TEST_MEDIA_URL");
        Self {
            admin_url: var("DEBRIEF_TEST_DATABASE_URL"),
            bucket: media
                .trim_start_matches("s3://")
                .split('/')
                .next()
                .unwrap()
                .to_string(),
            nginx: var("DEBRIEF_TEST_NGINX").into(),
        }
    }
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}{}_{nanos:x}", std::process::id())
}

/// A new database on the test PostgreSQL server; its URL.
pub fn fresh_database(env: &ScaleEnv) -> String {
    let name = unique("scale_");
    let out = Command::new("psql")
        .arg(&env.admin_url)
        .args(["-v", "ON_ERROR_STOP=1", "-qc"])
        .arg(format!("CREATE DATABASE {name}"))
        .output()
        .expect("psql (postgresql-client) is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let base = env.admin_url.rsplit_once('/').unwrap().0;
    format!("{base}/{name}")
}

/// The stores one deployment uses.
#[derive(Clone)]
pub struct Stores {
    pub database_url: String,
    pub media_url: String,
}

impl Stores {
    pub fn fresh(env: &ScaleEnv) -> Self {
        Self {
            database_url: fresh_database(env),
            media_url: format!("s3://{}/{}", env.bucket, unique("scale-")),
        }
    }

    pub fn apply(&self, c: &mut Command) {
        c.env("DEBRIEF_SERVER_DATABASE_URL", &self.database_url)
            .env("DEBRIEF_SERVER_MEDIA_URL", &self.media_url);
    }
}

/// `debrief-server ARGS` on these stores (and `data_dir`); stdout.
pub fn admin(stores: Option<&Stores>, data_dir: &Path, args: &[&str]) -> String {
    let mut c = Command::new(server_bin());
    c.arg("--data-dir").arg(data_dir).args(args);
    if let Some(s) = stores {
        s.apply(&mut c);
    }
    let out = c.output().expect("run debrief-server");
    assert!(
        out.status.success(),
        "debrief-server {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One `debrief-server serve` process.
pub struct Instance {
    pub url: String,
    pub port: u16,
    child: Option<Child>,
}

impl Instance {
    pub fn start(stores: Option<&Stores>, data_dir: &Path) -> Self {
        let mut c = Command::new(server_bin());
        c.arg("--data-dir")
            .arg(data_dir)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("DEBRIEF_SERVER_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(s) = stores {
            s.apply(&mut c);
        }
        let mut child = c.spawn().expect("start debrief-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .rsplit(' ')
            .next()
            .unwrap_or_default()
            .to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "{line:?}");
        let port = url.rsplit(':').next().unwrap().parse().unwrap();
        Self {
            url,
            port,
            child: Some(child),
        }
    }

    /// SIGKILL, like a crashed machine.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn alive(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().unwrap().is_none())
    }

    /// A number from the instance's /metrics.
    pub fn metric(&self, name: &str) -> f64 {
        let text = reqwest::blocking::get(format!("{}/metrics", self.url))
            .and_then(|r| r.text())
            .unwrap_or_default();
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// nginx balancing round-robin over some instances, run as a child with
/// a generated configuration in a temporary folder.
pub struct Nginx {
    pub url: String,
    dir: tempfile::TempDir,
    port: u16,
    bin: PathBuf,
    child: Option<Child>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Nginx {
    pub fn start(env: &ScaleEnv, upstreams: &[u16]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut n = Self {
            url: format!("http://127.0.0.1:{port}"),
            dir,
            port,
            bin: env.nginx.clone(),
            child: None,
        };
        n.write_config(upstreams);
        let child = Command::new(&n.bin)
            .arg("-p")
            .arg(n.dir.path())
            .arg("-c")
            .arg(n.dir.path().join("nginx.conf"))
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start nginx");
        n.child = Some(child);
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "nginx did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        n
    }

    /// The README's example, on loopback ports (see README "Several
    /// instances behind a load balancer").
    fn write_config(&self, upstreams: &[u16]) {
        let d = self.dir.path().display();
        let servers: String = upstreams
            .iter()
            .map(|p| format!("        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;\n"))
            .collect();
        // As root, nginx would switch its workers to `nobody`, who cannot
        // write this folder; as anyone else the directive is ignored.
        let user = if running_as_root() {
            "user root root;\n"
        } else {
            ""
        };
        let conf = format!(
            "{user}worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format upstreams '$request_method $uri $status $upstream_addr';
    access_log {d}/access.log upstreams;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    upstream debrief {{
{servers}        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 0;
        proxy_request_buffering off;
        proxy_buffering off;
        proxy_http_version 1.1;
        proxy_set_header Connection \"\";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_connect_timeout 2s;
        proxy_send_timeout 3600s;
        proxy_read_timeout 3600s;
        location / {{
            proxy_pass http://debrief;
        }}
    }}
}}
",
            port = self.port
        );
        std::fs::write(self.dir.path().join("nginx.conf"), conf).unwrap();
    }

    /// Point the balancer at other instances (a reload, as in a cutover).
    pub fn switch_to(&self, upstreams: &[u16]) {
        self.write_config(upstreams);
        let status = Command::new(&self.bin)
            .arg("-p")
            .arg(self.dir.path())
            .arg("-c")
            .arg(self.dir.path().join("nginx.conf"))
            .args(["-s", "reload"])
            .status()
            .unwrap();
        assert!(status.success(), "nginx reload failed");
        // The old worker finishes its connections; new ones go to the new set.
        std::thread::sleep(Duration::from_millis(500));
    }

    /// (method, path, status, upstream) of every request so far.
    pub fn log(&self) -> Vec<(String, String, u16, String)> {
        std::fs::read_to_string(self.dir.path().join("access.log"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let mut f = l.split(' ');
                Some((
                    f.next()?.to_string(),
                    f.next()?.to_string(),
                    f.next()?.parse().ok()?,
                    f.next()?.to_string(),
                ))
            })
            .collect()
    }
}

/// Whether this process runs as root (nginx's `user` directive needs it).
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

impl Drop for Nginx {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-QUIT", &c.id().to_string()])
                .status();
            let start = Instant::now();
            while c.try_wait().ok().flatten().is_none() && start.elapsed() < Duration::from_secs(5)
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
