//! A fault-injecting TCP proxy for sync tests and benchmarks: it sits
//! between a device and the team server and, when told to, cuts a
//! connection after N more bytes (a clean close, or a reset that throws
//! away what the kernel still buffers), stalls it, throttles it, or lets a
//! request through and swallows its response. Faults are armed one at a
//! time and can be switched while traffic flows.
//!
//! It counts bytes per direction and, through [`http_meter`], per HTTP
//! exchange, so a test can say how many media bytes crossed "the network".
//!
//! Plain std threads (two per connection) keep it free of async runtimes,
//! so the CLI tests and the sync benchmark share this one file. Every
//! socket has short timeouts so threads notice faults and shutdown fast.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[path = "http_meter.rs"]
pub mod http_meter;
use http_meter::{Exchange, Part, RequestParser, ResponseParser};

const TICK: Duration = Duration::from_millis(20);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Device to server.
    Up,
    /// Server to device.
    Down,
}

/// What a cut does to the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Close both sides after forwarding exactly the bytes before the cut.
    Close,
    /// Reset both sides (RST): data still in kernel buffers is lost.
    Reset,
    /// Stop forwarding for this long, then carry on (if anyone is left).
    Stall(Duration),
}

/// Which requests a fault applies to: a method and a path prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// After `after` more bytes in `dir` (either when `None`; of matching
    /// exchanges' bodies when `only` is set, else of anything), do `action`
    /// to the connection that carries the last of them.
    Cut {
        dir: Option<Dir>,
        after: u64,
        action: Action,
        only: Option<Route>,
    },
    /// Forward the next matching request whole, then drop its response and
    /// close the connection: the server did the work, the device never hears.
    DropResponse(Route),
}

#[derive(Default)]
struct Shared {
    upstream: Mutex<Option<SocketAddr>>,
    faults: Mutex<VecDeque<(Fault, u64)>>,
    fired: AtomicU64,
    up: AtomicU64,
    down: AtomicU64,
    /// Throttle in bytes per second per direction of a connection; 0 = off.
    rate: AtomicU64,
    exchanges: Mutex<Vec<Exchange>>,
    connections: AtomicU64,
    stop: AtomicBool,
}

/// One proxied connection: both directions see its fate.
struct Conn {
    id: u64,
    /// 0 alive, 1 closed, 2 reset.
    fate: AtomicU8,
    client: TcpStream,
    server: TcpStream,
    /// The exchange whose request was sent last.
    current: Mutex<Option<usize>>,
}

impl Conn {
    fn kill(&self, action: Action) {
        if action == Action::Reset {
            // Linger 0: the last close of the socket sends RST, not FIN, and
            // the peer's kernel throws away what it had not delivered yet.
            for s in [&self.client, &self.server] {
                let _ = socket2::SockRef::from(s).set_linger(Some(Duration::ZERO));
            }
            // Both pumps see the fate within a tick and drop their handles.
            let _ = self
                .fate
                .compare_exchange(0, 2, Ordering::SeqCst, Ordering::SeqCst);
        } else if self
            .fate
            .compare_exchange(0, 1, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            let _ = self.client.shutdown(Shutdown::Both);
            let _ = self.server.shutdown(Shutdown::Both);
        }
    }

    fn dead(&self) -> bool {
        self.fate.load(Ordering::SeqCst) != 0
    }
}

pub struct Proxy {
    pub url: String,
    shared: Arc<Shared>,
}

impl Proxy {
    /// Listen on a loopback port and forward to `upstream` (an `http://` URL
    /// or `host:port`).
    pub fn start(upstream: &str) -> Self {
        Self::start_with_buffers(upstream, None)
    }

    /// Like [`Proxy::start`], with the kernel's receive buffer of the
    /// device's connections fixed at `recv_buffer` bytes. A slow link holds
    /// little in flight; loopback's self-tuned megabytes of buffer would
    /// let a device "send" far more than the link carries.
    pub fn start_with_buffers(upstream: &str, recv_buffer: Option<usize>) -> Self {
        let socket =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        if let Some(bytes) = recv_buffer {
            // Set before listen so accepted sockets inherit it.
            socket.set_recv_buffer_size(bytes).unwrap();
        }
        let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
        socket.bind(&any.into()).unwrap();
        socket.listen(128).unwrap();
        let listener: TcpListener = socket.into();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared::default());
        let proxy = Self { url, shared };
        proxy.set_upstream(upstream);
        let shared = proxy.shared.clone();
        std::thread::spawn(move || accept_loop(listener, shared));
        proxy
    }

    /// Point new connections at another server address.
    pub fn set_upstream(&self, upstream: &str) {
        let addr = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .expect("upstream is host:port");
        *self.shared.upstream.lock().unwrap() = Some(addr);
    }

    /// Queue a fault; faults fire one after another, each once.
    pub fn arm(&self, fault: Fault) {
        self.shared.faults.lock().unwrap().push_back((fault, 0));
    }

    pub fn disarm(&self) {
        self.shared.faults.lock().unwrap().clear();
    }

    /// Faults armed and not fired yet.
    pub fn armed(&self) -> usize {
        self.shared.faults.lock().unwrap().len()
    }

    pub fn faults_fired(&self) -> u64 {
        self.shared.fired.load(Ordering::SeqCst)
    }

    /// Limit each direction of each connection to `bytes_per_sec` (None: off).
    pub fn throttle(&self, bytes_per_sec: Option<u64>) {
        self.shared
            .rate
            .store(bytes_per_sec.unwrap_or(0), Ordering::SeqCst);
    }

    pub fn bytes(&self, dir: Dir) -> u64 {
        match dir {
            Dir::Up => self.shared.up.load(Ordering::SeqCst),
            Dir::Down => self.shared.down.load(Ordering::SeqCst),
        }
    }

    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Every exchange seen so far, in the order requests started.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.shared.exchanges.lock().unwrap().clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    while !shared.stop.load(Ordering::SeqCst) {
        let client = match listener.accept() {
            Ok((s, _)) => s,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
            Err(_) => continue,
        };
        let upstream = shared.upstream.lock().unwrap().expect("upstream set");
        let Ok(server) = TcpStream::connect_timeout(&upstream, Duration::from_secs(2)) else {
            continue; // the device sees a closed connection, like a dead server
        };
        let id = shared.connections.fetch_add(1, Ordering::SeqCst);
        for s in [&client, &server] {
            s.set_nonblocking(false).unwrap();
            s.set_nodelay(true).unwrap();
            s.set_read_timeout(Some(TICK)).unwrap();
            s.set_write_timeout(Some(TICK)).unwrap();
        }
        let conn = Arc::new(Conn {
            id,
            fate: AtomicU8::new(0),
            client: client.try_clone().unwrap(),
            server: server.try_clone().unwrap(),
            current: Mutex::new(None),
        });
        let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
        let (conn2, shared1, shared2) = (conn.clone(), shared.clone(), shared.clone());
        std::thread::spawn(move || pump(client, server, Dir::Up, conn, shared1));
        std::thread::spawn(move || pump(s2, c2, Dir::Down, conn2, shared2));
    }
}

/// Forward `src` to `dst` until either side ends or a fault kills the connection.
fn pump(mut src: TcpStream, mut dst: TcpStream, dir: Dir, conn: Arc<Conn>, shared: Arc<Shared>) {
    let mut buf = vec![0u8; 64 << 10];
    let mut requests = RequestParser::default();
    let mut responses = ResponseParser::default();
    'outer: loop {
        if conn.dead() || shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let rate = shared.rate.load(Ordering::SeqCst);
        // Small reads while throttled keep the pacing smooth.
        let want = if rate > 0 { 16 << 10 } else { buf.len() };
        let n = match src.read(&mut buf[..want]) {
            Ok(0) => {
                let _ = dst.shutdown(Shutdown::Write);
                break;
            }
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(_) => {
                if !conn.dead() {
                    conn.kill(Action::Close);
                }
                break;
            }
        };
        match dir {
            Dir::Up => shared.up.fetch_add(n as u64, Ordering::SeqCst),
            Dir::Down => shared.down.fetch_add(n as u64, Ordering::SeqCst),
        };
        let mut pos = 0;
        while pos < n {
            let (len, part) = match dir {
                Dir::Up => requests.step(&buf[pos..n], &mut |ex| {
                    let mut log = shared.exchanges.lock().unwrap();
                    log.push(Exchange {
                        conn: conn.id,
                        ..ex
                    });
                    let idx = log.len() - 1;
                    *conn.current.lock().unwrap() = Some(idx);
                    idx
                }),
                Dir::Down => {
                    let current = *conn.current.lock().unwrap();
                    responses.step(&buf[pos..n], current, &mut |idx, status, headers| {
                        let mut log = shared.exchanges.lock().unwrap();
                        log[idx].status = Some(status);
                        log[idx].response_headers = headers;
                    })
                }
            };
            let (forward, action) = decide(&shared, dir, part, len);
            // Exchanges count what the sender put on the wire, cut or not.
            count(&shared, dir, part, &buf[pos..pos + len]);
            if !write_all(&mut dst, &buf[pos..pos + forward], &conn, &shared) {
                if !conn.dead() {
                    conn.kill(Action::Close);
                }
                break 'outer;
            }
            pace(rate, forward);
            match action {
                None => {}
                Some(Action::Stall(d)) => std::thread::sleep(d),
                Some(a) => {
                    conn.kill(a);
                    break 'outer;
                }
            }
            pos += forward;
        }
    }
}

/// How much of a run to forward before the active fault (if any) acts.
fn decide(shared: &Shared, dir: Dir, part: Part, len: usize) -> (usize, Option<Action>) {
    let mut faults = shared.faults.lock().unwrap();
    let Some((fault, seen)) = faults.front_mut() else {
        return (len, None);
    };
    let exchange = |idx: usize| shared.exchanges.lock().unwrap()[idx].clone();
    match *fault {
        Fault::DropResponse(route) => {
            let (Part::Head(idx) | Part::Body(idx)) = part else {
                return (len, None);
            };
            if dir == Dir::Down && exchange(idx).is(route.method, route.path) {
                shared.exchanges.lock().unwrap()[idx].response_dropped = true;
                faults.pop_front();
                shared.fired.fetch_add(1, Ordering::SeqCst);
                return (0, Some(Action::Close));
            }
            (len, None)
        }
        Fault::Cut {
            dir: d,
            after,
            action,
            only,
        } => {
            if d.is_some_and(|d| d != dir) {
                return (len, None);
            }
            if let Some(route) = only {
                let Part::Body(idx) = part else {
                    return (len, None);
                };
                if !exchange(idx).is(route.method, route.path) {
                    return (len, None);
                }
            }
            let left = after - *seen;
            if (len as u64) < left {
                *seen += len as u64;
                return (len, None);
            }
            faults.pop_front();
            shared.fired.fetch_add(1, Ordering::SeqCst);
            (left as usize, Some(action))
        }
    }
}

fn count(shared: &Shared, dir: Dir, part: Part, data: &[u8]) {
    if let Part::Body(idx) = part {
        let mut log = shared.exchanges.lock().unwrap();
        let ex = &mut log[idx];
        match dir {
            Dir::Up => {
                ex.request_body += data.len() as u64;
                let room = http_meter::SAMPLE_BYTES.saturating_sub(ex.request_sample.len());
                ex.request_sample
                    .extend_from_slice(&data[..room.min(data.len())]);
            }
            Dir::Down => ex.response_body += data.len() as u64,
        }
    }
}

/// Write everything, waking up regularly to notice a killed connection.
fn write_all(dst: &mut TcpStream, mut data: &[u8], conn: &Conn, shared: &Shared) -> bool {
    while !data.is_empty() {
        if conn.dead() || shared.stop.load(Ordering::SeqCst) {
            return false;
        }
        match dst.write(data) {
            Ok(0) => return false,
            Ok(n) => data = &data[n..],
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return false,
        }
    }
    true
}

fn pace(rate: u64, bytes: usize) {
    if rate > 0 && bytes > 0 {
        std::thread::sleep(Duration::from_secs_f64(bytes as f64 / rate as f64));
    }
}
