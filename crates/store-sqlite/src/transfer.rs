//! Whole tables in and out, for `rampart migrate`. Table and column names
//! come from [`TABLES`](rampart_store::transfer::TABLES), never from input.

use crate::Sqlite;
use futures_util::{stream::BoxStream, StreamExt};
use rampart_store::transfer::{Kind, Table, Transfer, Value};
use rampart_store::Result;
use sqlx::Row;

fn value(row: &sqlx::sqlite::SqliteRow, i: usize, kind: Kind) -> Result<Value> {
    Ok(match kind {
        Kind::Int => row.try_get::<Option<i64>, _>(i)?.map(Value::Int),
        Kind::Bool => row.try_get::<Option<bool>, _>(i)?.map(Value::Bool),
        Kind::Text => row.try_get::<Option<String>, _>(i)?.map(Value::Text),
        Kind::Bytes => row.try_get::<Option<Vec<u8>>, _>(i)?.map(Value::Bytes),
    }
    .unwrap_or(Value::Null))
}

#[async_trait::async_trait]
impl Transfer for Sqlite {
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
        let (verb, conflict) = if table.name == "tlog_head" {
            (
                "INSERT",
                " ON CONFLICT (id) DO UPDATE SET size = excluded.size, nodes = excluded.nodes
                  WHERE tlog_head.size <> excluded.size OR tlog_head.nodes <> excluded.nodes",
            )
        } else {
            ("INSERT OR IGNORE", "")
        };
        let mut written = 0;
        let mut tx = self.pool.begin().await?;
        // SQLite binds at most 32,766 parameters per statement.
        for chunk in rows.chunks(32_000 / table.columns.len()) {
            let mut q = sqlx::QueryBuilder::new(format!(
                "{verb} INTO {} ({}) ",
                table.name,
                table.column_list()
            ));
            q.push_values(chunk, |mut b, row| {
                for v in row {
                    match v {
                        Value::Null => b.push_bind(None::<i64>),
                        Value::Int(i) => b.push_bind(*i),
                        Value::Bool(x) => b.push_bind(*x),
                        Value::Text(t) => b.push_bind(t.clone()),
                        Value::Bytes(x) => b.push_bind(x.clone()),
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
        // INTEGER PRIMARY KEY continues after the largest key by itself.
        Ok(())
    }
}
