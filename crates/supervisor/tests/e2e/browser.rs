//! The status and tail pages in headless Chromium, driven over WebDriver
//! (Debian's `chromium` and `chromium-driver`; `scripts/test.sh` installs
//! them). Without them the test is skipped, unless `SV_REQUIRE_REF=1` says
//! the full suite must run.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

use crate::daemon_harness::Running;
use crate::harness::Env;
use crate::http::free_port;

const T: Duration = Duration::from_secs(20);

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| PathBuf::from(d).join(name))
        .find(|p| p.is_file())
}

/// chromedriver, killed when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_driver(exe: &PathBuf, port: u16, log: PathBuf) -> Driver {
    let log = std::fs::File::create(log).expect("driver log");
    let child = Command::new(exe)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child);
    let deadline = Instant::now() + T;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not listen on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    driver
}

/// The text of the state cell of `name`'s row, if the row is there.
async fn state_of(c: &Client, name: &str) -> Option<String> {
    let xpath = format!("//tr[td[3]/a[text()='{name}']]/td[@class='status']/span");
    let el = c.find(Locator::XPath(&xpath)).await.ok()?;
    el.text().await.ok().map(|t| t.to_lowercase())
}

async fn wait_state(c: &Client, name: &str, want: &str) -> Result<(), String> {
    let deadline = Instant::now() + T;
    loop {
        let got = state_of(c, name).await;
        if got.as_deref() == Some(want) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("{name} never showed {want} (last: {got:?})"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn click(c: &Client, name: &str, action: &str) -> Result<(), String> {
    let xpath = format!("//tr[td[3]/a[text()='{name}']]//a[@name='{action}']");
    let el = c.find(Locator::XPath(&xpath)).await.map_err(|e| format!("{action} link: {e}"))?;
    el.click().await.map_err(|e| format!("click {action}: {e}"))
}

/// The highest `tick N` in a log text.
fn last_tick(text: &str) -> Option<u64> {
    text.lines().filter_map(|l| l.strip_prefix("tick ")?.trim().parse().ok()).max()
}

async fn scenario(c: &Client, base: &str, shots: &std::path::Path) -> Result<(), String> {
    let e = |e: fantoccini::error::CmdError| e.to_string();
    c.goto(&format!("{base}/")).await.map_err(e)?;
    let title = c.title().await.map_err(e)?;
    if title != "Supervisor Status" {
        return Err(format!("title {title:?}"));
    }
    wait_state(c, "ticker", "running").await?;
    wait_state(c, "idle", "running").await?;
    let shot = c.screenshot().await.map_err(e)?;
    std::fs::write(shots.join("status.png"), shot).map_err(|e| e.to_string())?;

    // Stop and start through the page; the table updates without a reload.
    let marker = "document.body.dataset.sameDocument='yes'";
    c.execute(marker, vec![]).await.map_err(e)?;
    click(c, "idle", "stop").await?;
    wait_state(c, "idle", "stopped").await?;
    let msg = c.find(Locator::Id("msg")).await.map_err(e)?.text().await.map_err(e)?;
    if msg != "Process idle stopped" {
        return Err(format!("message after stop: {msg:?}"));
    }
    click(c, "idle", "start").await?;
    wait_state(c, "idle", "running").await?;
    let same =
        c.execute("return document.body.dataset.sameDocument||''", vec![]).await.map_err(e)?;
    if same.as_str() != Some("yes") {
        return Err("the page reloaded instead of updating in place".into());
    }

    // A phone-sized window: the table becomes one card per process.
    c.set_window_size(390, 740).await.map_err(e)?;
    let shot = c.screenshot().await.map_err(e)?;
    std::fs::write(shots.join("status-phone.png"), shot).map_err(|e| e.to_string())?;
    let head_shown = c
        .execute("return getComputedStyle(document.querySelector('thead')).display", vec![])
        .await
        .map_err(e)?;
    if head_shown.as_str() != Some("none") {
        return Err(format!("narrow layout not applied: thead display {head_shown}"));
    }
    c.set_window_size(1100, 600).await.map_err(e)?;

    // The tail page follows new output without being reloaded.
    c.goto(&format!("{base}/tail.html?processname=ticker")).await.map_err(e)?;
    let first = c.find(Locator::Id("log")).await.map_err(e)?.text().await.map_err(e)?;
    let start = last_tick(&first).ok_or_else(|| format!("no output in the tail: {first:?}"))?;
    let deadline = Instant::now() + T;
    loop {
        let now = c.find(Locator::Id("log")).await.map_err(e)?.text().await.map_err(e)?;
        if last_tick(&now).is_some_and(|n| n >= start + 3) {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!("the tail did not follow: started at {start}, now {now:?}"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let shot = c.screenshot().await.map_err(e)?;
    std::fs::write(shots.join("tail.png"), shot).map_err(|e| e.to_string())?;
    Ok(())
}

/// A browser session, with JavaScript on or off.
async fn session(wd_port: u16, chromium: &std::path::Path, js: bool) -> Result<Client, String> {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1100,600"],
            "prefs": {"profile.managed_default_content_settings.javascript": if js { 1 } else { 2 }},
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{wd_port}"))
        .await
        .map_err(|e| format!("webdriver session: {e}"))
}

/// With JavaScript disabled the links are plain navigations: stop and start
/// still work and the page shows the result after the redirect.
async fn without_javascript(c: &Client, base: &str) -> Result<(), String> {
    let e = |e: fantoccini::error::CmdError| e.to_string();
    c.goto(&format!("{base}/")).await.map_err(e)?;
    for (action, state, msg) in
        [("stop", "stopped", "Process idle stopped"), ("start", "running", "Process idle started")]
    {
        click(c, "idle", action).await?;
        wait_state(c, "idle", state).await?;
        let shown = c.find(Locator::Id("msg")).await.map_err(e)?.text().await.map_err(e)?;
        if shown != msg {
            return Err(format!("without JavaScript, after {action}: {shown:?}"));
        }
    }
    let url = c.current_url().await.map_err(e)?;
    if !url.as_str().contains("message=") {
        return Err(format!("expected the redirect to the message page, at {url}"));
    }
    Ok(())
}

/// chromedriver and chromium; `None` (the test is skipped) without them,
/// unless `SV_REQUIRE_REF=1` says the full suite must run.
fn browser() -> Option<(PathBuf, PathBuf)> {
    let (Some(driver_exe), Some(chromium)) = (which("chromedriver"), which("chromium")) else {
        assert!(
            std::env::var("SV_REQUIRE_REF").as_deref() != Ok("1"),
            "chromium and chromedriver are required (apt-get install chromium chromium-driver)"
        );
        eprintln!("skipped: chromium/chromedriver not installed");
        return None;
    };
    Some((driver_exe, chromium))
}

/// Runs `body` (given the WebDriver port) with chromedriver started; a
/// failure fails the test with the daemon's dump and the driver's log.
fn drive(
    env: &Env,
    d: &Running<'_>,
    driver_exe: &PathBuf,
    body: impl AsyncFnOnce(u16) -> Result<(), String>,
) {
    let wd_port = free_port();
    let driver = start_driver(driver_exe, wd_port, env.path().join("chromedriver.log"));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let result = rt.block_on(body(wd_port));
    drop(driver);
    if let Err(why) = result {
        let log = std::fs::read_to_string(env.path().join("chromedriver.log")).unwrap_or_default();
        let tail: String = log.lines().rev().take(30).collect::<Vec<_>>().join("\n");
        d.check(false, &format!("{why}\nchromedriver log (last lines, newest first):\n{tail}"));
    }
}

#[test]
fn status_and_tail_pages_in_headless_chromium() {
    let Some((driver_exe, chromium)) = browser() else { return };
    let env = Env::new();
    let port = free_port();
    let mut d = Running::start(
        &env,
        &format!(
            "[inet_http_server]\nport=127.0.0.1:{port}\n\
             [program:ticker]\ncommand=/bin/sh -c 'i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.2; done'\n\
             startsecs=0\n\
             [program:idle]\ncommand={{testprog}} sleep 3600\nstartsecs=0\n"
        ),
    );
    d.wait_count("entered RUNNING state", 2, T);
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let base = format!("http://127.0.0.1:{port}");
    drive(&env, &d, &driver_exe, async |wd_port| {
        let c = session(wd_port, &chromium, true).await?;
        let r = scenario(&c, &base, &shots).await;
        let _ = c.close().await;
        r?;
        let c = session(wd_port, &chromium, false).await?;
        let r = without_javascript(&c, &base).await;
        let _ = c.close().await;
        r
    });
    eprintln!("screenshots in {}", shots.display());
    assert_eq!(d.stop(), 0);
}

/// The first row's process name on the page shown.
async fn first_row(c: &Client) -> Result<String, String> {
    let js = "var a=document.querySelector('#procs tbody tr td:nth-child(3) a');return a?a.textContent:'';";
    let v = c.execute(js, vec![]).await.map_err(|e| e.to_string())?;
    Ok(v.as_str().unwrap_or_default().to_owned())
}

/// Thousands of processes: the page is paged, paints within a second, and
/// the refresh, the pager and the actions stay on the page shown.
async fn paged(c: &Client, base: &str, n: usize) -> Result<(), String> {
    let e = |e: fantoccini::error::CmdError| e.to_string();
    c.goto(&format!("{base}/")).await.map_err(e)?;
    // Headless Chromium reports no paint entries: the page's load event
    // (the HTML parsed and laid out, its script run) is the bound instead.
    let loaded = c
        .execute(
            "var n=performance.getEntriesByType('navigation')[0];return n?n.loadEventEnd:-1;",
            vec![],
        )
        .await
        .map_err(e)?;
    let loaded = loaded.as_f64().unwrap_or(-1.0);
    if !(0.0..=1000.0).contains(&loaded) {
        return Err(format!("the page finished loading at {loaded} ms"));
    }
    eprintln!("{n} processes: the first page loaded in {loaded:.0} ms");
    let rows = c
        .execute("return document.querySelectorAll('#procs tbody tr').length", vec![])
        .await
        .map_err(e)?;
    if rows.as_u64() != Some(200) {
        return Err(format!("{rows} rows on the first page"));
    }
    let pager = c.find(Locator::Id("pager")).await.map_err(e)?.text().await.map_err(e)?;
    if !pager.starts_with(&format!("Processes 1–200 of {n} (page 1 of {})", n / 200)) {
        return Err(format!("pager: {pager:?}"));
    }
    let marker = "document.body.dataset.sameDocument='yes'";
    c.find(Locator::LinkText("Next")).await.map_err(e)?.click().await.map_err(e)?;
    let deadline = Instant::now() + T;
    while first_row(c).await? != "w:w_0200" {
        if Instant::now() > deadline {
            return Err(format!("page 2 starts with {:?}", first_row(c).await?));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    c.execute(marker, vec![]).await.map_err(e)?;
    // Two refreshes later the same page is shown, updated in place.
    tokio::time::sleep(Duration::from_millis(4500)).await;
    if first_row(c).await? != "w:w_0200" {
        return Err(format!("the refresh left page 2 for {:?}", first_row(c).await?));
    }
    click(c, "w:w_0205", "stop").await?;
    wait_state(c, "w:w_0205", "stopped").await?;
    click(c, "w:w_0205", "start").await?;
    wait_state(c, "w:w_0205", "running").await?;
    let same =
        c.execute("return document.body.dataset.sameDocument||''", vec![]).await.map_err(e)?;
    if same.as_str() != Some("yes") || first_row(c).await? != "w:w_0200" {
        return Err("an action on page 2 did not stay on page 2 in place".into());
    }
    // Each page is a page's worth of HTML, whatever the number of processes.
    let size = c
        .execute(
            "return fetch('index.html?page=3').then(function(r){return r.text();})\
             .then(function(t){return t.length;})",
            vec![],
        )
        .await
        .map_err(e)?;
    if size.as_u64().is_none_or(|s| s >= 150_000) {
        return Err(format!("a page of the table is {size} bytes"));
    }
    Ok(())
}

#[test]
fn status_page_of_thousands_of_processes_is_paged() {
    let Some((driver_exe, chromium)) = browser() else { return };
    // Two descriptors per process in the daemon: 2000 processes fit a hard
    // limit of 8192 with room to spare.
    let n = 2000;
    let env = Env::new();
    let port = free_port();
    let mut d = Running::start(
        &env,
        &format!(
            "[supervisord]\nminfds=8192\n[inet_http_server]\nport=127.0.0.1:{port}\n\
             [program:w]\ncommand=/bin/sleep 3600\nnumprocs={n}\n\
             process_name=%(program_name)s_%(process_num)04d\nstartsecs=0\n\
             stdout_logfile=NONE\nredirect_stderr=true\n"
        ),
    );
    d.wait_count("entered RUNNING state", n, T);
    let base = format!("http://127.0.0.1:{port}");
    drive(&env, &d, &driver_exe, async |wd_port| {
        let c = session(wd_port, &chromium, true).await?;
        let r = paged(&c, &base, n).await;
        let _ = c.close().await;
        r
    });
    assert_eq!(d.stop(), 0);
}
