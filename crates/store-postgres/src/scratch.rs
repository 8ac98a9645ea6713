//! Scratch schemas for tests and benchmarks: each gets a schema of its own
//! in a shared database (`RAMPART_TEST_POSTGRES`, by default the
//! development and CI database `postgres://postgres@127.0.0.1:5432/test`),
//! dropped when the [`Schema`] goes.

use rampart_store::Result;

/// The database scratch schemas are made in.
pub fn test_database() -> String {
    std::env::var("RAMPART_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A schema that lives as long as this value.
#[derive(Debug)]
pub struct Schema {
    base: String,
    name: String,
}

impl Schema {
    /// Creates an empty schema with a random name in the database at `base`.
    pub async fn create(base: &str) -> Result<Self> {
        let name = format!("rampart_t{:016x}", rand_u64());
        let pool = sqlx::PgPool::connect(base).await?;
        // The name is ours (hex digits), not input: it cannot be bound.
        sqlx::raw_sql(&format!("CREATE SCHEMA {name}"))
            .execute(&pool)
            .await?;
        pool.close().await;
        Ok(Self {
            base: base.to_owned(),
            name,
        })
    }

    /// The URL of the database with this schema first on the search path.
    pub fn url(&self) -> String {
        let separator = if self.base.contains('?') { '&' } else { '?' };
        format!(
            "{}{separator}options=-csearch_path%3D{}",
            self.base, self.name
        )
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        // Drop is synchronous and may run inside a runtime: a thread of its
        // own with a runtime of its own.
        let (base, name) = (self.base.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let pool = sqlx::PgPool::connect(&base).await.ok()?;
                sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                    .execute(&pool)
                    .await
                    .ok()?;
                pool.close().await;
                Some(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            tracing::warn!(schema = %self.name, "could not drop a scratch schema");
        }
    }
}

/// 64 random bits from the standard library's randomly keyed hasher (no
/// RNG dependency for a schema name).
fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    hasher.finish()
}
