//! The web pages: `/ok.html`, the status page (`/`, `/index.html`) with the
//! reference's action URLs (`index.html?processname=x&action=start`, ...),
//! and the tail page (`/tail.html`). Every value from a process or a request
//! is HTML-escaped. Actions run through the same code as XML-RPC calls.
//!
//! Actions change state, so a request that a browser marks as coming from
//! another site (`Sec-Fetch-Site: cross-site`/`same-site`, or an `Origin`/
//! `Referer` naming another host) is refused; the page itself, bookmarks
//! (`Sec-Fetch-Site: none`) and non-browser scripts keep working.

use std::rc::Rc;

use sv_core::state::ProcessState;

use super::event_loop::Shared;

/// HTML-escapes text.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a query value.
pub fn urlquote(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The query string's `key=value` pairs, decoded (first value wins).
pub fn query(q: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for part in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let dec = |s: &str| super::http::percent_decode(&s.replace('+', " "));
        let k = dec(k);
        if !out.iter().any(|(x, _)| *x == k) {
            out.push((k, dec(v)));
        }
    }
    out
}

/// Whether a state-changing request may come from where the browser says.
pub fn same_origin(
    host: Option<&str>,
    fetch_site: Option<&str>,
    origin: Option<&str>,
    referer: Option<&str>,
) -> bool {
    if matches!(fetch_site, Some("cross-site" | "same-site")) {
        return false;
    }
    let host_of =
        |url: &str| url.split("://").nth(1).map(|r| r.split('/').next().unwrap_or("").to_owned());
    for u in [origin, referer].into_iter().flatten() {
        if u != "null" && host_of(u).as_deref() != host {
            return false;
        }
    }
    true
}

fn ctime() -> String {
    chrono::Local::now().format("%a %b %e %H:%M:%S %Y").to_string()
}

/// Runs an action; returns the message for the page.
pub async fn action(shared: &Rc<Shared>, action: &str, ns: Option<&str>) -> Option<String> {
    // Each action is the XML-RPC method's own handler, and like a call it
    // ends with a turn of the event loop.
    let r = web_action(shared, action, ns).await;
    shared.wake.notify_one();
    r
}

async fn web_action(shared: &Rc<Shared>, action: &str, ns: Option<&str>) -> Option<String> {
    use super::rpc::{clear_process_logs, process_exists, start_or_stop, start_or_stop_all};
    Some(match (action, ns) {
        ("refresh", _) => format!("Page refreshed at {}", ctime()),
        ("stopall", _) => {
            let _ = start_or_stop_all(shared, true, false).await;
            format!("All stopped at {}", ctime())
        }
        ("restartall", _) => {
            let _ = start_or_stop_all(shared, true, false).await;
            let _ = start_or_stop_all(shared, true, true).await;
            format!("All restarted at {}", ctime())
        }
        (a, Some(ns)) => {
            if !process_exists(shared, ns) {
                return Some(format!("No such process named {ns}"));
            }
            match a {
                "start" => match start_or_stop(shared, ns, true, true).await {
                    Ok(_) => format!("Process {ns} started"),
                    Err(f) => {
                        let what = match f.code {
                            20 => "no such file".to_owned(),
                            21 => "file not executable".to_owned(),
                            60 => "already started".to_owned(),
                            50 => "spawn error".to_owned(),
                            40 => "abnormal termination".to_owned(),
                            _ => format!("unexpected rpc fault [{}] {}", f.code, f.text),
                        };
                        format!("ERROR: Process {ns}: {what}")
                    }
                },
                "stop" => match start_or_stop(shared, ns, true, false).await {
                    Ok(_) => format!("Process {ns} stopped"),
                    Err(f) => format!("unexpected rpc fault [{}] {}", f.code, f.text),
                },
                "restart" => {
                    let _ = start_or_stop(shared, ns, true, false).await;
                    let _ = start_or_stop(shared, ns, true, true).await;
                    format!("Process {ns} restarted")
                }
                "clearlog" => {
                    let _ = clear_process_logs(shared, ns);
                    format!("Log for {ns} cleared")
                }
                _ => return None,
            }
        }
        _ => return None,
    })
}

fn link(ns: &str, action: &str, label: &str, page: usize) -> String {
    let page = if page > 0 { format!("&amp;page={page}") } else { String::new() };
    format!(
        "<a href=\"index.html?processname={}&amp;action={action}{page}\" name=\"{action}\" data-act>{label}</a>",
        escape(&urlquote(ns))
    )
}

/// How many processes one status page lists. Up to this many the page is
/// one table, as it always was; beyond it the table is paged, so that a
/// browser shows thousands of processes at once and the table it reloads
/// every two seconds stays this size.
pub const PAGE_SIZE: usize = 200;

/// The page a `page=N` query asks for (0 when absent or not a number; a
/// number past the last page shows the last).
pub fn page_number(q: Option<&str>) -> usize {
    q.and_then(|p| p.parse().ok()).unwrap_or(0)
}

/// The pager above a paged table: where this page is and links to the
/// others (page numbers in links start at 0, as in the query).
fn pager(page: usize, pages: usize, first: usize, last: usize, total: usize) -> String {
    let to = |n: usize, label: &str| format!("<a href=\"index.html?page={n}\">{label}</a>");
    let mut links = Vec::new();
    if page > 0 {
        links.push(to(0, "First"));
        links.push(to(page - 1, "Previous"));
    }
    if page + 1 < pages {
        links.push(to(page + 1, "Next"));
        links.push(to(pages - 1, "Last"));
    }
    format!(
        "<p id=\"pager\">Processes {first}–{last} of {total} (page {} of {pages}) {}</p>",
        page + 1,
        links.join(" ")
    )
}

/// The status page; `page` counts from 0 and matters only with more than
/// [`PAGE_SIZE`] processes.
pub fn status_page(shared: &Rc<Shared>, message: Option<&str>, page: usize) -> String {
    let infos = super::rpc::process_rows(&shared.daemon.borrow());
    let pages = infos.len().div_ceil(PAGE_SIZE).max(1);
    let page = if infos.len() > PAGE_SIZE { page.min(pages - 1) } else { 0 };
    let shown =
        &infos[(page * PAGE_SIZE).min(infos.len())..((page + 1) * PAGE_SIZE).min(infos.len())];
    let mut rows = String::new();
    for (i, v) in shown.iter().enumerate() {
        let ns = &v.namespec;
        let class = match v.state {
            ProcessState::Running => "statusrunning",
            ProcessState::Fatal | ProcessState::Backoff => "statuserror",
            _ => "statusnominal",
        };
        let link = |action: &str, label: &str| link(ns, action, label, page);
        let actions = match v.state {
            ProcessState::Running => {
                format!("{} {}", link("restart", "Restart"), link("stop", "Stop"))
            }
            ProcessState::Stopped | ProcessState::Exited | ProcessState::Fatal => {
                link("start", "Start")
            }
            _ => String::new(),
        };
        let q = escape(&urlquote(ns));
        rows.push_str(&format!(
            "<tr{}><td class=\"status\"><span class=\"{class}\">{}</span></td><td>{}</td>\
             <td><a href=\"tail.html?processname={q}\" target=\"_blank\">{}</a></td>\
             <td class=\"action\">{actions} {} <a href=\"logtail/{q}\" target=\"_blank\">Tail -f Stdout</a> \
             <a href=\"logtail/{q}/stderr\" target=\"_blank\">Tail -f Stderr</a></td></tr>\n",
            if i % 2 == 1 { " class=\"shade\"" } else { "" },
            escape(&v.state.name().to_lowercase()),
            match &v.checks {
                // Readiness and health, for processes that use them.
                Some(c) => format!("{} <span class=\"checks\">({})</span>", escape(&v.description), escape(c)),
                None => escape(&v.description),
            },
            escape(ns),
            link("clearlog", "Clear Log"),
        ));
    }
    let table = if infos.is_empty() {
        "<p id=\"procs\">No programs to manage</p>".to_owned()
    } else {
        let paged = infos.len() > PAGE_SIZE;
        let table = format!(
            "<table{}><thead><tr><th>State</th><th>Description</th><th>Name</th><th>Action</th></tr></thead>\
             <tbody>\n{rows}</tbody></table>",
            if paged { "" } else { " id=\"procs\"" }
        );
        if paged {
            let first = page * PAGE_SIZE + 1;
            let nav = pager(page, pages, first, first + shown.len() - 1, infos.len());
            format!("<div id=\"procs\" data-page=\"{page}\">{nav}\n{table}</div>")
        } else {
            table
        }
    };
    let msg = match message {
        Some(m) => format!("<div class=\"status_msg\" id=\"msg\">{}</div>", escape(m)),
        None => "<div class=\"hidden\" id=\"msg\">#</div>".to_owned(),
    };
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>Supervisor Status</title><style>{CSS}</style></head><body>\n<h1>Supervisor Status</h1>\n{msg}\n\
         <ul class=\"buttons\"><li><a href=\"index.html?action=refresh\" data-act>Refresh</a></li>\
         <li><a href=\"index.html?action=restartall\" data-act>Restart All</a></li>\
         <li><a href=\"index.html?action=stopall\" data-act>Stop All</a></li></ul>\n{table}\n\
         <footer>Supervisor {}</footer><script>{STATUS_JS}</script></body></html>\n",
        crate::VERSION
    )
}

const CSS: &str = "body{font-family:system-ui,sans-serif;margin:1em;color:#222}\
table{border-collapse:collapse;width:100%}td,th{padding:.4em .5em;text-align:left;vertical-align:top}\
th{border-bottom:2px solid #ccc}tr.shade{background:#f4f4f4}\
.status span{display:inline-block;min-width:5.5em;padding:.15em .4em;border-radius:.3em;text-align:center;\
font-weight:bold;font-size:.85em;text-transform:uppercase}\
.statusrunning{background:#d8f3e3;color:#176b3a}.statuserror{background:#fbdada;color:#a11}\
.statusnominal{background:#e8e8e8;color:#555}\
.status_msg{background:#fff6cc;border:1px solid #e6d27a;padding:.5em;border-radius:.3em}\
.status_msg.busy{background:#eef}.hidden{display:none}\
ul.buttons{list-style:none;padding:0}ul.buttons li{display:inline-block;margin:0 .5em .5em 0}\
a[data-act],td.action a{display:inline-block;padding:.2em .5em;margin:.1em;border:1px solid #bbb;\
border-radius:.3em;text-decoration:none;color:#124;background:#fafafa}\
footer{margin-top:1em;color:#888;font-size:.85em}pre{white-space:pre-wrap;word-break:break-all}\
@media(max-width:700px){thead{display:none}tr,td{display:block}td{padding:.2em .3em}\
tr{border-bottom:1px solid #ddd;padding:.4em 0}}";

/// Progressive enhancement for the status page: action links are sent as
/// `POST` in the background and the table (the page of it shown, when it
/// is paged) is refreshed every two seconds without reloading the page.
/// Without JavaScript the links work as they do in the reference.
const STATUS_JS: &str = "(function(){\
function swap(t){var d=new DOMParser().parseFromString(t,'text/html');\
['procs','msg'].forEach(function(id){var n=d.getElementById(id),o=document.getElementById(id);\
if(n&&o&&!(id=='msg'&&n.className=='hidden'))o.replaceWith(n);});}\
function load(u,o){return fetch(u,o).then(function(r){return r.text();}).then(swap).catch(function(){});}\
document.addEventListener('click',function(e){var a=e.target.closest('a[data-act]');if(!a)return;\
e.preventDefault();var m=document.getElementById('msg');m.className='status_msg busy';\
m.textContent='Working…';load(a.getAttribute('href'),{method:'POST'});});\
setInterval(function(){if(document.hidden)return;var p=document.getElementById('procs');\
load('index.html'+(p&&p.dataset.page?'?page='+p.dataset.page:''));},2000);})();";

/// The tail page follows the log: it re-reads itself every second and
/// keeps the view at the bottom when it was there.
const TAIL_JS: &str = "(function(){var p=document.getElementById('log');\
setInterval(function(){if(document.hidden)return;fetch(location.href).then(function(r){return r.text();})\
.then(function(t){var n=new DOMParser().parseFromString(t,'text/html').getElementById('log');\
if(!n||n.textContent==p.textContent)return;\
var end=window.innerHeight+window.scrollY>=document.body.scrollHeight-4;\
p.textContent=n.textContent;if(end)window.scrollTo(0,document.body.scrollHeight);}).catch(function(){});},1000);})();";

/// The tail page.
pub async fn tail_page(shared: &Rc<Shared>, ns: Option<&str>, limit: i64) -> String {
    let limit = limit.max(1024);
    let (title, body) = match ns {
        None => ("None".to_owned(), "No process name found".to_owned()),
        Some(ns) => (ns.to_owned(), super::rpc::read_stdout_tail(shared, ns, limit).await),
    };
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>Supervisor tail of process {}</title><style>{CSS}</style></head>\
         <body><pre id=\"log\">{}</pre><p><a href=\"tail.html?processname={}&amp;limit={limit}\">Refresh</a></p>\
         <script>{TAIL_JS}</script></body></html>\n",
        escape(&title),
        escape(&body),
        escape(&urlquote(ns.unwrap_or("")))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_quoting() {
        assert_eq!(
            escape("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;&quot;"
        );
        assert_eq!(urlquote("grp:a b"), "grp%3Aa%20b");
        assert_eq!(
            query("processname=a%3Ab&action=start&action=stop"),
            [("processname".into(), "a:b".into()), ("action".into(), "start".into())]
        );
    }

    #[test]
    fn cross_site_requests_are_refused() {
        let host = Some("127.0.0.1:9001");
        assert!(same_origin(host, None, None, None), "scripts");
        assert!(same_origin(host, Some("none"), None, None), "bookmarks");
        assert!(same_origin(
            host,
            Some("same-origin"),
            None,
            Some("http://127.0.0.1:9001/index.html")
        ));
        assert!(!same_origin(host, Some("cross-site"), None, None));
        assert!(!same_origin(host, None, Some("http://evil.example"), None));
        assert!(!same_origin(host, None, None, Some("http://evil.example/x")));
    }
}
