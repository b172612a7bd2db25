//! What a run tells while it happens: one typed event per message, the same words on the
//! WebSocket, in the recorded history of a finished run and across processes.

use engine::Stage;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Where a run is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Queued,
    Started,
    Compiling,
    Running,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RunEvent {
    Status {
        status: Phase,
    },
    /// Output of the program or, with `stage: compile`, of its compiler (UTF-8 text, never a
    /// character split across two events).
    Stdout {
        stage: Stage,
        data: String,
    },
    Stderr {
        stage: Stage,
        data: String,
    },
    /// CPU and memory of the whole process tree so far.
    Stats {
        stage: Stage,
        elapsed_ms: u64,
        cpu_ms: u64,
        memory_kib: u64,
    },
    /// The last event: the run as the API shows it (verdict, output, figures, id, status).
    Result(Map<String, Value>),
}

impl RunEvent {
    pub fn status(status: Phase) -> Self {
        RunEvent::Status { status }
    }

    /// The result event of a run's view (a JSON object; anything else becomes an empty one).
    pub fn result(view: Value) -> Self {
        match view {
            Value::Object(mut map) => {
                map.remove("type");
                RunEvent::Result(map)
            }
            _ => RunEvent::Result(Map::new()),
        }
    }

    pub fn is_output(&self) -> bool {
        matches!(self, RunEvent::Stdout { .. } | RunEvent::Stderr { .. })
    }

    pub fn is_result(&self) -> bool {
        matches!(self, RunEvent::Result(_))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an event is plain data")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The wire format clients (the web UI, API users) read: a change here is a breaking
    /// change of the events WebSocket.
    #[test]
    fn events_keep_their_wire_format() {
        let cases = [
            (
                RunEvent::status(Phase::Queued),
                json!({"type": "status", "status": "queued"}),
            ),
            (
                RunEvent::Stdout {
                    stage: Stage::Run,
                    data: "hi\n".into(),
                },
                json!({"type": "stdout", "stage": "run", "data": "hi\n"}),
            ),
            (
                RunEvent::Stderr {
                    stage: Stage::Compile,
                    data: "error".into(),
                },
                json!({"type": "stderr", "stage": "compile", "data": "error"}),
            ),
            (
                RunEvent::Stats {
                    stage: Stage::Run,
                    elapsed_ms: 100,
                    cpu_ms: 7,
                    memory_kib: 2048,
                },
                json!({"type": "stats", "stage": "run", "elapsed_ms": 100, "cpu_ms": 7, "memory_kib": 2048}),
            ),
            (
                RunEvent::result(json!({"verdict": "ok", "id": "r1"})),
                json!({"type": "result", "verdict": "ok", "id": "r1"}),
            ),
        ];
        for (event, wire) in cases {
            let text = event.to_json();
            assert_eq!(
                serde_json::from_str::<Value>(&text).expect("json"),
                wire,
                "{text}"
            );
            assert_eq!(
                serde_json::from_str::<RunEvent>(&text).expect("back"),
                event
            );
        }
    }
}
