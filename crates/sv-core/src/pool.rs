//! An event listener pool as a pure state machine: the bounded FIFO of
//! events (the oldest is discarded on overflow, and counted), dispatch to
//! the first listener that is RUNNING and READY, and the listener protocol
//! (`READY\n`, `RESULT <n>\n<n bytes>`) with the reference's default result
//! handler (`OK` accepts, anything else rejects and re-buffers).
//!
//! The daemon feeds it events, listener output, starts and exits, and
//! performs the writes it asks for. Groundwork for the event system: not yet
//! wired into the daemon.

use std::collections::VecDeque;

use sv_config::LogLevel;

use crate::events::{Event, envelope};

/// A listener's protocol state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerState {
    /// Waiting for `READY\n`.
    Acknowledged,
    /// May receive an event.
    Ready,
    /// Has an event; waiting for its result.
    Busy,
    /// Broke the protocol; gets nothing until it restarts.
    Unknown,
}

impl ListenerState {
    /// The reference's name.
    pub fn name(self) -> &'static str {
        match self {
            ListenerState::Acknowledged => "ACKNOWLEDGED",
            ListenerState::Ready => "READY",
            ListenerState::Busy => "BUSY",
            ListenerState::Unknown => "UNKNOWN",
        }
    }
}

/// An event with the serials it was given when the pool accepted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// Global serial.
    pub serial: u64,
    /// Serial within the pool.
    pub poolserial: u64,
    /// The event.
    pub event: Event,
}

/// One listener process of a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    /// Process name, for log lines.
    pub name: String,
    /// Protocol state.
    pub state: ListenerState,
    /// Whether the process is RUNNING (only then it gets events).
    pub running: bool,
    buffer: Vec<u8>,
    result_len: Option<usize>,
    result: Vec<u8>,
    inflight: Option<Queued>,
}

/// What the daemon must do for a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolEffect {
    /// Write these bytes to listener `listener`'s stdin.
    Send {
        /// Index of the listener.
        listener: usize,
        /// The envelope.
        bytes: Vec<u8>,
    },
    /// A main-log line.
    Log(LogLevel, String),
    /// A listener's result, for a pool whose handler writes results out
    /// ([`ResultHandler::Stdlog`]).
    Result(Vec<u8>),
}

/// What a pool does with its listeners' results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResultHandler {
    /// The reference's default: `OK` accepts the event, anything else
    /// rejects it and puts it back in the buffer.
    #[default]
    Default,
    /// `supervisor_stdlog:log_handler`: every result is accepted and
    /// written out as `name | line` (by the daemon).
    Stdlog,
}

/// A pool of listeners and its event buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    /// Pool name.
    pub name: String,
    /// Subscribed event type names.
    pub events: Vec<String>,
    /// Buffer capacity.
    pub buffer_size: usize,
    /// Events waiting for a listener.
    pub buffer: VecDeque<Queued>,
    /// Events discarded on overflow so far.
    pub discarded: u64,
    /// Its listeners.
    pub listeners: Vec<Listener>,
    /// What it does with results.
    pub handler: ResultHandler,
    poolserial: u64,
}

const READY: &[u8] = b"READY\n";

impl Pool {
    /// A pool with listeners named `names`.
    pub fn new(name: &str, events: Vec<String>, buffer_size: usize, names: &[String]) -> Self {
        let listeners = names
            .iter()
            .map(|n| Listener {
                name: n.clone(),
                state: ListenerState::Acknowledged,
                running: false,
                buffer: Vec::new(),
                result_len: None,
                result: Vec::new(),
                inflight: None,
            })
            .collect();
        Pool {
            name: name.to_owned(),
            events,
            buffer_size: buffer_size.max(1),
            buffer: VecDeque::new(),
            discarded: 0,
            listeners,
            handler: ResultHandler::Default,
            poolserial: 0,
        }
    }

    /// Whether the pool subscribes to `event`.
    pub fn wants(&self, event: &Event) -> bool {
        self.events.iter().any(|t| event.matches(t))
    }

    /// Offers an event; `serial` is the daemon's global counter, taken only
    /// when some pool accepts (the caller passes the next value and advances
    /// it when this returns true).
    pub fn accept(&mut self, event: &Event, serial: u64, fx: &mut Vec<PoolEffect>) -> bool {
        if !self.wants(event) {
            return false;
        }
        if self.buffer.len() >= self.buffer_size
            && let Some(old) = self.buffer.pop_front()
        {
            self.discarded += 1;
            fx.push(PoolEffect::Log(
                LogLevel::Error,
                format!(
                    "pool {} event buffer overflowed, discarding event {}",
                    self.name, old.serial
                ),
            ));
        }
        self.buffer.push_back(Queued { serial, poolserial: self.poolserial, event: event.clone() });
        self.poolserial += 1;
        true
    }

    /// Sends buffered events to listeners that are RUNNING and READY.
    pub fn dispatch(&mut self, server: &str, fx: &mut Vec<PoolEffect>) {
        while !self.buffer.is_empty() {
            let Some(i) =
                self.listeners.iter().position(|l| l.running && l.state == ListenerState::Ready)
            else {
                return;
            };
            let Some(q) = self.buffer.pop_front() else { return };
            let bytes = envelope(server, q.serial, &self.name, q.poolserial, &q.event);
            let l = &mut self.listeners[i];
            fx.push(PoolEffect::Log(
                LogLevel::Debug,
                format!("event {} sent to listener {}", q.serial, l.name),
            ));
            Self::change(l, ListenerState::Busy, fx);
            l.inflight = Some(q);
            fx.push(PoolEffect::Send { listener: i, bytes });
        }
    }

    fn change(l: &mut Listener, to: ListenerState, fx: &mut Vec<PoolEffect>) {
        fx.push(PoolEffect::Log(
            LogLevel::Debug,
            format!("{}: {} -> {}", l.name, l.state.name(), to.name()),
        ));
        l.state = to;
        if to == ListenerState::Unknown {
            fx.push(PoolEffect::Log(
                LogLevel::Warn,
                format!(
                    "{}: has entered the UNKNOWN state and will no longer receive events, this usually \
                     indicates the process violated the eventlistener protocol",
                    l.name
                ),
            ));
        }
    }

    fn rebuffer(&mut self, q: Option<Queued>) {
        if let Some(q) = q {
            self.buffer.push_front(q);
        }
    }

    /// The listener process was spawned: a fresh protocol state.
    pub fn started(&mut self, i: usize) {
        if let Some(l) = self.listeners.get_mut(i) {
            l.state = ListenerState::Acknowledged;
            l.buffer.clear();
            l.result_len = None;
            l.result.clear();
        }
    }

    /// The listener process exited: its event in flight goes back to the head.
    pub fn exited(&mut self, i: usize) {
        let q = self.listeners.get_mut(i).and_then(|l| {
            l.running = false;
            l.inflight.take()
        });
        self.rebuffer(q);
    }

    /// Output from a listener's stdout.
    pub fn output(&mut self, i: usize, data: &[u8], fx: &mut Vec<PoolEffect>) {
        let Some(l) = self.listeners.get_mut(i) else { return };
        if l.state == ListenerState::Unknown {
            return;
        }
        l.buffer.extend_from_slice(data);
        let mut rejected = Vec::new();
        loop {
            let l = &mut self.listeners[i];
            if l.buffer.is_empty() {
                break;
            }
            match l.state {
                ListenerState::Unknown => {
                    l.buffer.clear();
                    break;
                }
                ListenerState::Acknowledged => {
                    if l.buffer.len() < READY.len() {
                        break;
                    }
                    if l.buffer.starts_with(READY) {
                        l.buffer.drain(..READY.len());
                        Self::change(l, ListenerState::Ready, fx);
                    } else {
                        l.buffer.clear();
                        Self::change(l, ListenerState::Unknown, fx);
                    }
                }
                ListenerState::Ready => {
                    l.buffer.clear();
                    Self::change(l, ListenerState::Unknown, fx);
                }
                ListenerState::Busy => match l.result_len {
                    None => {
                        let Some(pos) = l.buffer.iter().position(|b| *b == b'\n') else { break };
                        let line: Vec<u8> = l.buffer.drain(..=pos).collect();
                        let line = &line[..line.len() - 1];
                        let len = line
                            .get(7..)
                            .and_then(|n| std::str::from_utf8(n).ok())
                            .and_then(|n| n.trim().parse().ok());
                        match len {
                            Some(n) => l.result_len = Some(n),
                            None => {
                                fx.push(PoolEffect::Log(
                                    LogLevel::Warn,
                                    format!(
                                        "{}: bad result line: '{}'",
                                        l.name,
                                        String::from_utf8_lossy(line)
                                    ),
                                ));
                                l.buffer.clear();
                                Self::change(l, ListenerState::Unknown, fx);
                                rejected.push(l.inflight.take());
                            }
                        }
                    }
                    Some(n) => {
                        let need = n - l.result.len();
                        let take = need.min(l.buffer.len());
                        l.result.extend(l.buffer.drain(..take));
                        if l.result.len() < n {
                            break;
                        }
                        let ok = match self.handler {
                            ResultHandler::Default => l.result == b"OK",
                            ResultHandler::Stdlog => {
                                fx.push(PoolEffect::Result(l.result.clone()));
                                true
                            }
                        };
                        l.result.clear();
                        l.result_len = None;
                        if ok {
                            fx.push(PoolEffect::Log(
                                LogLevel::Debug,
                                format!("{}: event was processed", l.name),
                            ));
                            l.inflight = None;
                        } else {
                            fx.push(PoolEffect::Log(
                                LogLevel::Warn,
                                format!("{}: event was rejected", l.name),
                            ));
                            rejected.push(l.inflight.take());
                        }
                        Self::change(l, ListenerState::Acknowledged, fx);
                    }
                },
            }
        }
        for q in rejected.into_iter().rev() {
            self.rebuffer(q);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(buffer: usize) -> Pool {
        let mut p = Pool::new(
            "lis",
            vec!["PROCESS_GROUP".into(), "TICK_5".into()],
            buffer,
            &["lis".into()],
        );
        p.listeners[0].running = true;
        p
    }

    fn sends(fx: &[PoolEffect]) -> Vec<String> {
        fx.iter()
            .filter_map(|e| match e {
                PoolEffect::Send { bytes, .. } => Some(String::from_utf8_lossy(bytes).into_owned()),
                PoolEffect::Log(..) | PoolEffect::Result(_) => None,
            })
            .collect()
    }

    fn logs(fx: &[PoolEffect], level: LogLevel) -> Vec<String> {
        fx.iter()
            .filter_map(|e| match e {
                PoolEffect::Log(l, m) if *l == level => Some(m.clone()),
                _ => None,
            })
            .collect()
    }

    fn added(g: &str) -> Event {
        Event::GroupAdded { group: g.into() }
    }

    #[test]
    fn subscription_serials_and_dispatch_after_ready() {
        let mut p = pool(10);
        let mut fx = Vec::new();
        assert!(!p.accept(&Event::SupervisorRunning, 0, &mut fx), "not subscribed");
        assert!(p.accept(&added("a"), 0, &mut fx));
        p.dispatch("supervisor", &mut fx);
        assert!(sends(&fx).is_empty(), "nothing before READY");
        p.output(0, b"REA", &mut fx);
        assert_eq!(p.listeners[0].state, ListenerState::Acknowledged);
        p.output(0, b"DY\n", &mut fx);
        assert_eq!(p.listeners[0].state, ListenerState::Ready);
        p.dispatch("supervisor", &mut fx);
        assert_eq!(
            sends(&fx),
            [
                "ver:3.0 server:supervisor serial:0 pool:lis poolserial:0 eventname:PROCESS_GROUP_ADDED len:12\ngroupname:a\n"
            ]
        );
        assert_eq!(p.listeners[0].state, ListenerState::Busy);
        let mut fx = Vec::new();
        p.output(0, b"RESULT 2\nOKREADY\n", &mut fx);
        assert_eq!(p.listeners[0].state, ListenerState::Ready);
        assert!(logs(&fx, LogLevel::Debug).contains(&"lis: event was processed".to_owned()));
    }

    #[test]
    fn a_stdlog_pool_accepts_every_result_and_hands_it_out() {
        let mut p = pool(10);
        p.handler = ResultHandler::Stdlog;
        let mut fx = Vec::new();
        p.accept(&added("a"), 0, &mut fx);
        p.output(0, b"READY\n", &mut fx);
        p.dispatch("s", &mut fx);
        let mut fx = Vec::new();
        p.output(0, b"RESULT 4\nFAILREADY\n", &mut fx);
        assert!(fx.contains(&PoolEffect::Result(b"FAIL".to_vec())));
        assert!(logs(&fx, LogLevel::Warn).is_empty(), "not rejected");
        assert!(p.buffer.is_empty());
        assert_eq!(p.listeners[0].state, ListenerState::Ready);
    }

    #[test]
    fn rejected_events_come_back_first() {
        let mut p = pool(10);
        let mut fx = Vec::new();
        p.accept(&added("a"), 0, &mut fx);
        p.accept(&added("b"), 1, &mut fx);
        p.output(0, b"READY\n", &mut fx);
        p.dispatch("s", &mut fx);
        let mut fx = Vec::new();
        p.output(0, b"RESULT 4\nFAILREADY\n", &mut fx);
        assert_eq!(logs(&fx, LogLevel::Warn), ["lis: event was rejected"]);
        assert_eq!(p.buffer.front().map(|q| q.serial), Some(0), "re-buffered at the head");
        p.dispatch("s", &mut fx);
        assert!(
            sends(&fx)[0].contains("serial:0 pool:lis poolserial:0"),
            "same serials on redelivery"
        );
    }

    #[test]
    fn protocol_violations_make_the_listener_unknown() {
        for (setup, data, warn) in [
            (false, &b"HELLO\n"[..], None),
            (true, &b"RESULT x\n"[..], Some("lis: bad result line: 'RESULT x'")),
        ] {
            let mut p = pool(10);
            let mut fx = Vec::new();
            if setup {
                p.accept(&added("a"), 0, &mut fx);
                p.output(0, b"READY\n", &mut fx);
                p.dispatch("s", &mut fx);
            }
            let mut fx = Vec::new();
            p.output(0, data, &mut fx);
            assert_eq!(p.listeners[0].state, ListenerState::Unknown);
            let w = logs(&fx, LogLevel::Warn);
            if let Some(first) = warn {
                assert_eq!(w[0], first);
                assert_eq!(p.buffer.len(), 1, "the event in flight is re-buffered");
            }
            assert!(w.last().is_some_and(|m| m.contains("has entered the UNKNOWN state")));
        }
        let mut p = pool(10);
        let mut fx = Vec::new();
        p.output(0, b"READY\n", &mut fx);
        p.output(0, b"x", &mut fx);
        assert_eq!(p.listeners[0].state, ListenerState::Unknown, "any data while READY");
    }

    #[test]
    fn overflow_discards_the_oldest_and_counts_it() {
        let mut p = pool(10);
        let mut fx = Vec::new();
        for i in 0..11 {
            p.accept(&added(&format!("g{i}")), i, &mut fx);
        }
        assert_eq!(
            logs(&fx, LogLevel::Error),
            ["pool lis event buffer overflowed, discarding event 0"]
        );
        assert_eq!(p.discarded, 1);
        assert_eq!(p.buffer.len(), 10);
        assert_eq!(p.buffer.front().map(|q| q.serial), Some(1));
    }

    #[test]
    fn a_dying_busy_listener_gives_its_event_back() {
        let mut p = pool(10);
        let mut fx = Vec::new();
        p.accept(&added("a"), 0, &mut fx);
        p.output(0, b"READY\n", &mut fx);
        p.dispatch("s", &mut fx);
        assert!(p.buffer.is_empty());
        p.exited(0);
        assert_eq!(p.buffer.len(), 1);
        p.started(0);
        p.listeners[0].running = true;
        let mut fx = Vec::new();
        p.output(0, b"READY\n", &mut fx);
        p.dispatch("s", &mut fx);
        assert_eq!(sends(&fx).len(), 1, "redelivered to the restarted listener");
    }
}
