//! Whole tables in and out, for `rampart migrate`. Table and column names
//! come from [`TABLES`](rampart_store::transfer::TABLES), never from input.

use crate::Postgres;
use futures_util::{stream::BoxStream, StreamExt};
use rampart_store::transfer::{Kind, Table, Transfer, Value, TABLES};
use rampart_store::Result;
use sqlx::Row;

fn value(row: &sqlx::postgres::PgRow, i: usize, kind: Kind) -> Result<Value> {
    Ok(match kind {
        Kind::Int => row.try_get::<Option<i64>, _>(i)?.map(Value::Int),
        Kind::Bool => row.try_get::<Option<bool>, _>(i)?.map(Value::Bool),
        Kind::Text => row.try_get::<Option<String>, _>(i)?.map(Value::Text),
        Kind::Bytes => row.try_get::<Option<Vec<u8>>, _>(i)?.map(Value::Bytes),
    }
    .unwrap_or(Value::Null))
}

#[async_trait::async_trait]
impl Transfer for Postgres {
    fn read_rows<'a>(&'a self, table: &'a Table) -> BoxStream<'a, Result<Vec<Value>>> {
        sqlx::query(table.select_all())
            .fetch(&self.pool)
            .map(move |row| {
                let row = row?;
                table
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(i, (_, kind))| value(&row, i, *kind))
                    .collect()
            })
            .boxed()
    }

    async fn write_rows(&self, table: &Table, rows: &[Vec<Value>]) -> Result<u64> {
        if rows.is_empty() {
            return Ok(0);
        }
        let conflict = if table.name == "tlog_head" {
            " ON CONFLICT (id) DO UPDATE SET size = EXCLUDED.size, nodes = EXCLUDED.nodes
              WHERE tlog_head.size <> EXCLUDED.size OR tlog_head.nodes <> EXCLUDED.nodes"
        } else {
            " ON CONFLICT DO NOTHING"
        };
        let mut written = 0;
        let mut tx = self.pool.begin().await?;
        // PostgreSQL binds at most 65,535 parameters per statement.
        for chunk in rows.chunks(60_000 / table.columns.len()) {
            let mut q = sqlx::QueryBuilder::new(format!(
                "INSERT INTO {} ({}) ",
                table.name,
                table.column_list()
            ));
            q.push_values(chunk, |mut b, row| {
                for (v, (_, kind)) in row.iter().zip(table.columns) {
                    // A NULL is typed by its column, as PostgreSQL wants.
                    match (v, kind) {
                        (Value::Null, Kind::Int) => b.push_bind(None::<i64>),
                        (Value::Null, Kind::Bool) => b.push_bind(None::<bool>),
                        (Value::Null, Kind::Text) => b.push_bind(None::<String>),
                        (Value::Null, Kind::Bytes) => b.push_bind(None::<Vec<u8>>),
                        (Value::Int(i), _) => b.push_bind(*i),
                        (Value::Bool(x), _) => b.push_bind(*x),
                        (Value::Text(t), _) => b.push_bind(t.clone()),
                        (Value::Bytes(x), _) => b.push_bind(x.clone()),
                    };
                }
            });
            q.push(conflict);
            written += q.build().execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(written)
    }

    async fn count_rows(&self, table: &Table) -> Result<i64> {
        Ok(
            sqlx::query_scalar(&format!("SELECT count(*) FROM {}", table.name))
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn after_copy(&self) -> Result<()> {
        // Copied rows kept their ids; identity columns must continue after
        // them, not collide with them.
        for table in TABLES.iter().filter(|t| t.generated_id) {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{0}', 'id'), GREATEST((SELECT max(id) FROM {0}), 1), (SELECT max(id) FROM {0}) IS NOT NULL)",
                table.name
            ))
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }
}
