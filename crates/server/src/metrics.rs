//! Prometheus metrics in the text exposition format (0.0.4), kept by hand:
//! a handful of counters, one latency histogram per route and two upload
//! gauges do not need a metrics framework.
//!
//! Routes are labelled by their pattern (`/v1/uploads/{id}`), never by the
//! raw path, so ids cannot blow up the number of series.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

#[derive(Debug, Default)]
struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    upload_bytes: AtomicU64,
    upload_bytes_received: AtomicU64,
    uploads_completed: AtomicU64,
    active_uploads: AtomicI64,
}

/// Decrements the active-upload gauge when a PATCH ends, however it ends.
#[derive(Debug)]
pub struct ActiveUpload<'a>(&'a Metrics);

impl Drop for ActiveUpload<'_> {
    fn drop(&mut self) {
        self.0.active_uploads.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let mut req = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        *req.entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        drop(req);
        let secs = elapsed.as_secs_f64();
        let mut lat = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        let h = lat.entry(route.to_string()).or_insert_with(|| Histogram {
            counts: vec![0; BUCKETS.len()],
            ..Histogram::default()
        });
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                h.counts[i] += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
    }

    pub fn add_upload_bytes(&self, n: u64) {
        self.upload_bytes.fetch_add(n, Ordering::Relaxed);
    }

    /// Body bytes read from clients, committed or not (the difference to
    /// `debrief_upload_bytes_total` is what cut connections and refused
    /// chunks cost).
    pub fn add_upload_bytes_received(&self, n: u64) {
        self.upload_bytes_received.fetch_add(n, Ordering::Relaxed);
    }

    pub fn upload_bytes_received(&self) -> u64 {
        self.upload_bytes_received.load(Ordering::Relaxed)
    }

    pub fn upload_completed(&self) {
        self.uploads_completed.fetch_add(1, Ordering::Relaxed);
    }

    pub fn upload_started(&self) -> ActiveUpload<'_> {
        self.active_uploads.fetch_add(1, Ordering::Relaxed);
        ActiveUpload(self)
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP debrief_http_requests_total HTTP requests answered.\n");
        out.push_str("# TYPE debrief_http_requests_total counter\n");
        for ((method, route, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "debrief_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        out.push_str("# HELP debrief_http_request_duration_seconds Time to answer a request.\n");
        out.push_str("# TYPE debrief_http_request_duration_seconds histogram\n");
        for (route, h) in self
            .latency
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let r = escape(route);
            for (bound, n) in BUCKETS.iter().zip(&h.counts) {
                let _ = writeln!(
                    out,
                    "debrief_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "debrief_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "debrief_http_request_duration_seconds_sum{{route=\"{r}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "debrief_http_request_duration_seconds_count{{route=\"{r}\"}} {}",
                h.count
            );
        }
        let gauges = [
            (
                "debrief_upload_bytes_total",
                "counter",
                "Upload bytes committed.",
                self.upload_bytes.load(Ordering::Relaxed) as i64,
            ),
            (
                "debrief_upload_bytes_received_total",
                "counter",
                "Upload body bytes read from clients, committed or not.",
                self.upload_bytes_received.load(Ordering::Relaxed) as i64,
            ),
            (
                "debrief_uploads_completed_total",
                "counter",
                "Uploads verified and stored.",
                self.uploads_completed.load(Ordering::Relaxed) as i64,
            ),
            (
                "debrief_active_uploads",
                "gauge",
                "Upload requests receiving bytes now.",
                self.active_uploads.load(Ordering::Relaxed),
            ),
        ];
        for (name, kind, help, value) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_histograms_and_gauges() {
        let m = Metrics::default();
        m.observe_request("GET", "/v1/changes", 200, Duration::from_millis(3));
        m.observe_request("GET", "/v1/changes", 200, Duration::from_millis(30));
        m.add_upload_bytes(42);
        let active = m.upload_started();
        let text = m.render();
        assert!(
            text.contains(
                "debrief_http_requests_total{method=\"GET\",route=\"/v1/changes\",status=\"200\"} 2"
            ),
            "{text}"
        );
        assert!(text.contains(
            "debrief_http_request_duration_seconds_bucket{route=\"/v1/changes\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "debrief_http_request_duration_seconds_bucket{route=\"/v1/changes\",le=\"+Inf\"} 2"
        ));
        assert!(text.contains("debrief_upload_bytes_total 42"));
        assert!(text.contains("debrief_active_uploads 1"));
        drop(active);
        assert!(m.render().contains("debrief_active_uploads 0"));
    }
}
