//! Where files are kept: the local documents folder (the embedded default), or an
//! S3-compatible object store (`object_store_url = "s3://…"`) that several nodes share.
//! Keys are the folder's relative paths (`<document>/v<version>/original.pdf`,
//! `…/p0001-1280.png`, exchanged files by hash `exchange/<sha256>.pdf`, signed minutes
//! `minutes/meeting-<id>-signed.pdf`), so a folder can be copied into a bucket as it is.
//! In both cases the render workers work on local files under the documents folder; with
//! a store, what they make is uploaded as it comes and the local copies are removed once
//! the version is done.

use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as Key;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

/// The store; cheap to clone.
#[derive(Clone)]
pub struct Blobs {
    /// `None`: the local folder is the store.
    remote: Option<Arc<dyn ObjectStore>>,
    dir: PathBuf,
}

/// A store failure, for logs.
pub type BlobError = String;

impl Blobs {
    /// The local folder only.
    pub fn local(dir: PathBuf) -> Blobs {
        Blobs { remote: None, dir }
    }

    /// An S3-compatible bucket (`s3://bucket[/prefix]`). Credentials come from the usual
    /// `AWS_*` environment variables (or the instance's role); `endpoint` names a server
    /// other than AWS (MinIO, Ceph, moto), plain `http://` allowed.
    pub fn s3(config: &crate::platform::config::Config) -> Result<Blobs, BlobError> {
        let (url, endpoint, region) = (
            config.object_store_url.as_str(),
            config.object_store_endpoint.as_str(),
            config.object_store_region.as_str(),
        );
        let dir = config.documents_dir.clone();
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("object_store_url: {e}"))?;
        if parsed.scheme() != "s3" {
            return Err(format!(
                "object_store_url must be s3://bucket[/prefix], not {url:?}"
            ));
        }
        let mut b = AmazonS3Builder::from_env().with_url(url);
        if !endpoint.is_empty() {
            b = b
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        if !region.is_empty() {
            b = b.with_region(region);
        }
        if !config.object_store_access_key_id.is_empty() {
            b = b
                .with_access_key_id(&config.object_store_access_key_id)
                .with_secret_access_key(&config.object_store_secret_access_key);
        }
        let store = b.build().map_err(|e| format!("object store: {e}"))?;
        let prefix = parsed.path().trim_matches('/').to_owned();
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(store)
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(store, prefix))
        };
        Ok(Blobs {
            remote: Some(store),
            dir,
        })
    }

    /// Whether files live elsewhere than the local folder.
    pub fn is_remote(&self) -> bool {
        self.remote.is_some()
    }

    /// The local path of `key` (the working copy, or with no store the file itself).
    pub fn local_path(&self, key: &str) -> PathBuf {
        self.dir.join(key)
    }

    /// Makes the local file of `key` durable in the store (with no store it already is).
    pub async fn publish(&self, key: &str) -> Result<(), BlobError> {
        let Some(store) = &self.remote else {
            return Ok(());
        };
        let mut file = tokio::fs::File::open(self.local_path(key))
            .await
            .map_err(|e| format!("reading {key}: {e}"))?;
        // Small files in one request, large PDFs in parts.
        let mut w = object_store::buffered::BufWriter::new(store.clone(), Key::from(key));
        tokio::io::copy(&mut file, &mut w)
            .await
            .map_err(|e| format!("uploading {key}: {e}"))?;
        w.shutdown()
            .await
            .map_err(|e| format!("uploading {key}: {e}"))
    }

    /// Stores `bytes` as `key`, whole or not at all (locally written aside, then renamed).
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), BlobError> {
        match &self.remote {
            None => {
                let path = self.local_path(key);
                make_parent(&path).await?;
                write_atomically(&path, &bytes).await
            }
            Some(store) => store
                .put(&Key::from(key), bytes.into())
                .await
                .map(|_| ())
                .map_err(|e| format!("uploading {key}: {e}")),
        }
    }

    /// Whether `key` is stored.
    pub async fn exists(&self, key: &str) -> Result<bool, BlobError> {
        match &self.remote {
            None => Ok(tokio::fs::try_exists(self.local_path(key))
                .await
                .unwrap_or(false)),
            Some(store) => match store.head(&Key::from(key)).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(format!("looking for {key}: {e}")),
            },
        }
    }

    /// Stores the file `from` again as `to` (a hard link locally where the file system
    /// allows, a copy inside the store otherwise, never through this node).
    pub async fn copy(&self, from: &str, to: &str) -> Result<(), BlobError> {
        let Some(store) = &self.remote else {
            let (from, to) = (self.local_path(from), self.local_path(to));
            make_parent(&to).await?;
            let _ = tokio::fs::remove_file(&to).await;
            if tokio::fs::hard_link(&from, &to).await.is_err() {
                let tmp = to.with_extension("part");
                tokio::fs::copy(&from, &tmp)
                    .await
                    .map_err(|e| format!("copying {}: {e}", from.display()))?;
                tokio::fs::rename(&tmp, &to)
                    .await
                    .map_err(|e| format!("copying to {}: {e}", to.display()))?;
            }
            return Ok(());
        };
        store
            .copy(&Key::from(from), &Key::from(to))
            .await
            .map_err(|e| format!("copying {from} to {to}: {e}"))
    }

    /// The bytes of `key`, `None` if there is no such file.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
        match &self.remote {
            None => match tokio::fs::read(self.local_path(key)).await {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(format!("reading {key}: {e}")),
            },
            Some(store) => match store.get(&Key::from(key)).await {
                Ok(r) => r
                    .bytes()
                    .await
                    .map(|b| Some(b.to_vec()))
                    .map_err(|e| format!("reading {key}: {e}")),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(format!("reading {key}: {e}")),
            },
        }
    }

    /// Makes sure the local working copy of `key` exists (another node may have stored
    /// it), and returns its path.
    pub async fn fetch(&self, key: &str) -> Result<PathBuf, BlobError> {
        let path = self.local_path(key);
        if self.remote.is_none() || tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(path);
        }
        let bytes = self
            .get(key)
            .await?
            .ok_or_else(|| format!("{key} is in no store"))?;
        make_parent(&path).await?;
        write_atomically(&path, &bytes).await?;
        Ok(path)
    }

    /// Removes every file under `prefix` (a document or version folder), locally and
    /// in the store.
    pub async fn remove_all(&self, prefix: &str) -> Result<(), BlobError> {
        let _ = tokio::fs::remove_dir_all(self.local_path(prefix)).await;
        let Some(store) = &self.remote else {
            return Ok(());
        };
        use futures::TryStreamExt;
        let keys: Vec<Key> = store
            .list(Some(&Key::from(prefix)))
            .map_ok(|m| m.location)
            .try_collect()
            .await
            .map_err(|e| format!("listing {prefix}: {e}"))?;
        for k in keys {
            store
                .delete(&k)
                .await
                .map_err(|e| format!("removing {k}: {e}"))?;
        }
        Ok(())
    }

    /// Drops the local working copies under `prefix` once the store holds them.
    pub async fn forget_local(&self, prefix: &str) {
        if self.remote.is_some() {
            let _ = tokio::fs::remove_dir_all(self.local_path(prefix)).await;
        }
    }
}

/// Creates the folder `path` goes in.
async fn make_parent(path: &Path) -> Result<(), BlobError> {
    match path.parent() {
        Some(parent) => tokio::fs::create_dir_all(parent)
            .await
            .map_err(|e| format!("documents folder: {e}")),
        None => Ok(()),
    }
}

async fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), BlobError> {
    let tmp = path.with_extension("part");
    tokio::fs::write(&tmp, bytes)
        .await
        .map_err(|e| format!("writing {}: {e}", tmp.display()))?;
    tokio::fs::rename(&tmp, path)
        .await
        .map_err(|e| format!("writing {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_s3_urls_are_taken_and_the_reason_says_so() {
        let mut c = crate::platform::config::Config {
            object_store_url: "https://bucket.example/x".into(),
            ..Default::default()
        };
        let e = Blobs::s3(&c).err().unwrap_or_default();
        assert!(e.contains("s3://bucket"), "{e}");
        c.object_store_url = "not a url".into();
        assert!(Blobs::s3(&c).is_err());
        c.object_store_url = "s3://ecabinet/docs".into();
        c.object_store_endpoint = "http://127.0.0.1:9".into();
        c.object_store_region = "us-east-1".into();
        assert!(Blobs::s3(&c).is_ok_and(|b| b.is_remote()));
    }
}
