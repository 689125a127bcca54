//! Object stores: the warehouse and the inbox may live at `s3://` (Amazon S3
//! or an S3-compatible store), `az://` (Azure Blob Storage) or `gs://` (Google
//! Cloud Storage) URLs instead of local folders.
//!
//! Credentials come from the environment, the way each cloud's own tools read
//! them: `AWS_ACCESS_KEY_ID` with `AWS_SECRET_ACCESS_KEY` (or an
//! instance role), `AWS_REGION`, and `AWS_ENDPOINT_URL` for a store that is not
//! Amazon's; `AZURE_STORAGE_ACCOUNT_NAME` with `AZURE_STORAGE_ACCOUNT_KEY` (or a
//! SAS token, or a service principal) for Azure; `GOOGLE_APPLICATION_CREDENTIALS`
//! or `GOOGLE_SERVICE_ACCOUNT` for Google. `AZURE_STORAGE_USE_EMULATOR=true`
//! with `AZURITE_BLOB_STORAGE_URL` points at a local Azurite server.
//!
//! Two runs writing one warehouse at once are safe on every store: Delta Lake
//! commits with a conditional put (S3's `If-None-Match`), so the second writer
//! of a table version fails and retries instead of overwriting.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Once};

use futures::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::{ObjectStore, ObjectStoreExt};
use url::Url;

use crate::error::{Error, Result};

/// The URL schemes pqa can read and write.
pub const SCHEMES: &[&str] = &["s3", "s3a", "az", "azure", "abfs", "abfss", "adl", "gs"];

/// Teaches Delta Lake the object-store schemes. Safe to call more than once.
pub fn register_object_stores() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        deltalake::aws::register_handlers(None);
        deltalake::azure::register_handlers(None);
        deltalake::gcp::register_handlers(None);
    });
}

/// Whether `location` is an object-store URL rather than a local path. A
/// Windows drive letter (`C:\inbox`) is a path.
pub fn is_url(location: &str) -> bool {
    location
        .split_once("://")
        .is_some_and(|(scheme, _)| scheme.len() > 1)
}

/// Checks the scheme of an object-store URL, naming the ones pqa supports.
pub fn parse_url(location: &str) -> Result<Url> {
    let url = Url::parse(location).map_err(|e| Error::Location(format!("{location}: {e}")))?;
    if !SCHEMES.contains(&url.scheme()) {
        return Err(Error::Location(format!(
            "{location}: pqa reads and writes s3:// (Amazon S3), az:// (Azure Blob Storage) and gs:// (Google Cloud Storage) URLs, or local folders; not {}://",
            url.scheme()
        )));
    }
    Ok(url)
}

/// The store holding `url` (credentials from the environment) and the path
/// of `url` inside it.
pub(crate) fn store_for(url: &Url) -> Result<(Arc<dyn ObjectStore>, object_store::path::Path)> {
    let store: Arc<dyn ObjectStore> = match url.scheme() {
        "s3" | "s3a" => Arc::new(AmazonS3Builder::from_env().with_url(url.as_str()).build()?),
        "gs" => Arc::new(
            GoogleCloudStorageBuilder::from_env()
                .with_url(url.as_str())
                .build()?,
        ),
        _ => Arc::new(
            MicrosoftAzureBuilder::from_env()
                .with_url(url.as_str())
                .build()?,
        ),
    };
    let prefix = object_store::path::Path::from_url_path(url.path())
        .map_err(|e| Error::Location(format!("{url}: {e}")))?;
    Ok((store, prefix))
}

/// Copies every file under the object-store URL `inbox` into the local
/// folder `to`, keeping their paths below the URL (`az://c/inbox/csc/a.csv`
/// becomes `to/csc/a.csv`), so the inbox can then be read like a local one.
/// Each file streams through in pieces; none is held whole in memory. Hidden
/// files (a name starting with `.`) are left, as in a local inbox. Returns
/// how many files were copied.
pub async fn download_inbox(inbox: &str, to: &Path) -> Result<usize> {
    let url = parse_url(inbox)?;
    let (store, prefix) = store_for(&url)?;
    let mut listing = store.list(Some(&prefix));
    let mut copied = 0;
    while let Some(meta) = listing.next().await {
        let meta = meta?;
        let Some(parts) = meta.location.prefix_match(&prefix) else {
            continue;
        };
        let parts: Vec<String> = parts.map(|p| p.as_ref().to_string()).collect();
        if parts.is_empty() || parts.iter().any(|p| p.starts_with('.')) {
            continue;
        }
        let dest = parts.iter().fold(to.to_path_buf(), |path, p| path.join(p));
        let io = |e: std::io::Error| Error::Location(format!("{}: {e}", dest.display()));
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let mut file = std::fs::File::create(&dest).map_err(io)?;
        let mut pieces = store.get(&meta.location).await?.into_stream();
        while let Some(piece) = pieces.next().await {
            file.write_all(&piece?).map_err(io)?;
        }
        copied += 1;
    }
    Ok(copied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths_are_told_apart() {
        assert!(is_url("az://pqa/inbox"));
        assert!(is_url("gs://bucket/inbox"));
        assert!(!is_url("sample-data/inbox"));
        assert!(!is_url("/srv/pqa/inbox"));
        assert!(!is_url(r"C:\pqa\inbox"));
    }

    #[test]
    fn unsupported_schemes_are_named_with_the_supported_ones() {
        let err = parse_url("ftp://host/inbox").unwrap_err().to_string();
        assert!(err.contains("not ftp://"), "{err}");
        assert!(err.contains("s3://") && err.contains("az://"), "{err}");
        assert!(parse_url("az://container/inbox").is_ok());
        assert!(parse_url("s3://bucket/inbox").is_ok());
    }
}
