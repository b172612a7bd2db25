//! Shared helpers of the engine's tests.

use engine::{Engine, EngineConfig};

/// An engine on the real sandbox, with a compile cache shared by every test process (stores
/// are atomic, so sharing is safe and exercises the cache the way workers will).
pub fn engine() -> Engine {
    let sandbox = sandbox::Sandbox::new(sandbox::SandboxConfig::default()).expect("sandbox");
    let catalogue = languages::Catalogue::builtin().expect("catalogue");
    let cache_dir = std::env::temp_dir().join("codecollab-test-compile-cache");
    Engine::new(
        sandbox,
        catalogue,
        EngineConfig {
            cache_dir,
            cache_max_bytes: 1 << 30,
        },
    )
    .expect("engine")
}
