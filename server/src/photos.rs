//! Where photo bytes live: a folder on this machine (the default) or an S3-compatible bucket
//! (through `object_store`) when several instances share the work. Photos are named by their
//! validated SHA-256, so no name can escape the folder or the bucket prefix.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use saferounds_shared::ids::PhotoHash;

use crate::config::Settings;

#[derive(Clone, Debug)]
pub enum PhotoStore {
    /// `<dir>/<first two hex>/<sha256>`, written atomically (temporary file, fsync, rename).
    Folder(PathBuf),
    /// `<bucket>/photos/<first two hex>/<sha256>`.
    Bucket(Arc<dyn ObjectStore>),
}

impl PhotoStore {
    /// The folder from `--blobs`, or the bucket when `--s3-bucket` is set (credentials and region
    /// from the flags or the usual `AWS_*` environment variables).
    pub fn from_settings(settings: &Settings) -> anyhow::Result<PhotoStore> {
        let Some(bucket) = &settings.s3_bucket else {
            std::fs::create_dir_all(&settings.blobs)?;
            return Ok(PhotoStore::Folder(settings.blobs.clone()));
        };
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_region(&settings.s3_region);
        if let (Some(id), Some(secret)) =
            (&settings.s3_access_key_id, &settings.s3_secret_access_key)
        {
            builder = builder
                .with_access_key_id(id)
                .with_secret_access_key(secret);
        }
        if let Some(endpoint) = &settings.s3_endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        Ok(PhotoStore::Bucket(Arc::new(builder.build()?)))
    }

    pub fn is_folder(&self) -> bool {
        matches!(self, PhotoStore::Folder(_))
    }

    fn file(dir: &std::path::Path, hash: &PhotoHash) -> PathBuf {
        dir.join(&hash.as_str()[..2]).join(hash.as_str())
    }

    fn key(hash: &PhotoHash) -> ObjectPath {
        ObjectPath::from(format!("photos/{}/{}", &hash.as_str()[..2], hash.as_str()))
    }

    pub async fn exists(&self, hash: &PhotoHash) -> anyhow::Result<bool> {
        match self {
            PhotoStore::Folder(dir) => Ok(tokio::fs::try_exists(Self::file(dir, hash)).await?),
            PhotoStore::Bucket(store) => match store.head(&Self::key(hash)).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(e.into()),
            },
        }
    }

    /// Stores the bytes durably before returning; a crash never leaves a partial photo under
    /// its final name.
    pub async fn put(&self, hash: &PhotoHash, bytes: Bytes) -> anyhow::Result<()> {
        match self {
            PhotoStore::Folder(dir) => {
                let path = Self::file(dir, hash);
                let parent = path
                    .parent()
                    .ok_or_else(|| anyhow::anyhow!("photo path has no parent"))?;
                let new_dir = !tokio::fs::try_exists(parent).await?;
                tokio::fs::create_dir_all(parent).await?;
                let tmp = parent.join(format!(
                    ".{}.{}",
                    hash.as_str(),
                    uuid::Uuid::new_v4().simple()
                ));
                tokio::fs::write(&tmp, &bytes).await?;
                tokio::fs::File::open(&tmp).await?.sync_all().await?;
                tokio::fs::rename(&tmp, &path).await?;
                // The rename (and a new folder) is durable only once its directory is synced: the
                // upload is acknowledged after this, and the phone may then drop its copy.
                sync_dir(parent).await?;
                if new_dir {
                    sync_dir(dir).await?;
                }
                Ok(())
            }
            PhotoStore::Bucket(store) => {
                store.put(&Self::key(hash), bytes.into()).await?;
                Ok(())
            }
        }
    }

    /// The bytes, or `None` when the store does not have them.
    pub async fn get(&self, hash: &PhotoHash) -> anyhow::Result<Option<Bytes>> {
        match self {
            PhotoStore::Folder(dir) => match tokio::fs::read(Self::file(dir, hash)).await {
                Ok(b) => Ok(Some(Bytes::from(b))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e.into()),
            },
            PhotoStore::Bucket(store) => match store.get(&Self::key(hash)).await {
                Ok(r) => Ok(Some(r.bytes().await?)),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e.into()),
            },
        }
    }
}

/// Makes a directory's entries durable (`fsync` of the directory; a no-op where directories cannot
/// be opened as files).
async fn sync_dir(dir: &std::path::Path) -> std::io::Result<()> {
    if cfg!(unix) {
        tokio::fs::File::open(dir).await?.sync_all().await?;
    }
    Ok(())
}
