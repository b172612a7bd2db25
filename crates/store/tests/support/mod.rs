//! What every store story stands on: a private database of each backend (a real SQLite file,
//! a schema of the real PostgreSQL at 127.0.0.1:5432, database `test`) and the macro that
//! tells a story against both.
#![allow(dead_code)]

use store::{Backend, Store};

static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// A name no other test (in this or another process) uses; short enough for PostgreSQL (63).
pub fn unique(name: &str) -> String {
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let short: String = name.chars().take(20).collect();
    format!("t{}_{n}_{short}", std::process::id())
}

/// A private database of the given backend, and what removes it afterwards.
pub struct Private {
    pub store: Store,
    drop_schema: Option<(Store, String)>,
    sqlite_file: Option<std::path::PathBuf>,
}

impl Private {
    pub async fn cleanup(self) {
        if let Some((admin, schema)) = self.drop_schema {
            admin
                .execute_raw(&format!("DROP SCHEMA {schema} CASCADE"))
                .await
                .expect("drop schema");
        }
        if let Some(file) = self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
    }
}

pub async fn open(backend: Backend, name: &str) -> Private {
    match backend {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!("{}.sqlite", unique(name)));
            let store = Store::connect(&format!("sqlite://{}", path.display()))
                .await
                .expect("sqlite");
            Private {
                store,
                drop_schema: None,
                sqlite_file: Some(path),
            }
        }
        Backend::Postgres => {
            let base = std::env::var("CODECOLLAB_TEST_POSTGRES")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
            let schema = unique(name);
            let admin = Store::connect(&base)
                .await
                .expect("PostgreSQL at 127.0.0.1:5432 (set CODECOLLAB_TEST_POSTGRES)");
            admin
                .execute_raw(&format!("CREATE SCHEMA {schema}"))
                .await
                .expect("schema");
            let store = Store::connect(&format!("{base}?options=-c%20search_path%3D{schema}"))
                .await
                .expect("postgres");
            Private {
                store,
                drop_schema: Some((admin, schema)),
                sqlite_file: None,
            }
        }
    }
}

#[macro_export]
macro_rules! story {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $(
            #[tokio::test]
            async fn $name() {
                let db = $crate::support::open(store::Backend::Sqlite, stringify!($name)).await;
                super::$name(db.store.clone()).await;
                db.cleanup().await;
            }
            )*
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let db = $crate::support::open(store::Backend::Postgres, stringify!($name)).await;
                super::$name(db.store.clone()).await;
                db.cleanup().await;
            }
            )*
        }
    };
}
