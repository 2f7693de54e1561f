//! A small zip reader and writer for the Ken French data library's
//! one-file archives and `.xlsx` workbooks: stored (method 0) and deflated (method 8)
//! entries, CRC-32 checked, each inflated with a bound on its size (a zip bomb stops at the
//! bound). ZIP64, encryption and multi-disk archives are refused with a clear error.
//!
//! Format: PKWARE APPNOTE.TXT 6.3 (§4.3.7 local file header, §4.3.12 central directory,
//! §4.3.16 end of central directory record).

use std::io::{Read, Seek, SeekFrom, Write};

const LOCAL: u32 = 0x0403_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const END: u32 = 0x0605_4b50;

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(i..i + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?))
}

/// One file in an archive.
#[derive(Debug, Clone, PartialEq)]
pub struct ZipEntry {
    pub name: String,
    pub data: Vec<u8>,
}

/// The largest entry [`read_all`] inflates.
pub const MAX_ENTRY_BYTES: usize = 1 << 30;

/// Reads every file of an archive.
///
/// # Errors
/// Not a zip, truncated, an unsupported method, or a CRC/size mismatch, saying which.
pub fn read_all(b: &[u8]) -> Result<Vec<ZipEntry>, String> {
    read_entries(b, |_| true, MAX_ENTRY_BYTES)
}

/// Reads the files of an archive whose names `wanted` accepts, each inflated to at most
/// `max_entry` bytes.
///
/// # Errors
/// As [`read_all`]; an entry larger than `max_entry`.
pub fn read_entries(
    b: &[u8],
    wanted: impl Fn(&str) -> bool,
    max_entry: usize,
) -> Result<Vec<ZipEntry>, String> {
    let truncated = || "truncated zip archive".to_string();
    // End of central directory: 22 bytes + comment (up to 65535), searched from the end.
    let lo = b.len().saturating_sub(22 + 65535);
    let eocd = (lo..=b.len().saturating_sub(22))
        .rev()
        .find(|&i| u32_at(b, i) == Some(END))
        .ok_or_else(|| {
            format!(
                "not a zip archive (no end-of-central-directory record in {} bytes)",
                b.len()
            )
        })?;
    let n = u16_at(b, eocd + 10).ok_or_else(truncated)? as usize;
    let cd_size = u32_at(b, eocd + 12).ok_or_else(truncated)? as usize;
    let cd_off = u32_at(b, eocd + 16).ok_or_else(truncated)? as usize;
    if n == 0xFFFF || cd_off == 0xFFFF_FFFF {
        return Err("ZIP64 archives are not supported".into());
    }
    if cd_off + cd_size > eocd {
        return Err(truncated());
    }
    let mut out = Vec::with_capacity(n);
    let mut p = cd_off;
    for _ in 0..n {
        if u32_at(b, p) != Some(CENTRAL) {
            return Err(format!("bad central directory entry at byte {p}"));
        }
        let flags = u16_at(b, p + 8).ok_or_else(truncated)?;
        let method = u16_at(b, p + 10).ok_or_else(truncated)?;
        let crc = u32_at(b, p + 16).ok_or_else(truncated)?;
        let csize = u32_at(b, p + 20).ok_or_else(truncated)? as usize;
        let usize_ = u32_at(b, p + 24).ok_or_else(truncated)? as usize;
        let name_len = u16_at(b, p + 28).ok_or_else(truncated)? as usize;
        let extra_len = u16_at(b, p + 30).ok_or_else(truncated)? as usize;
        let comment_len = u16_at(b, p + 32).ok_or_else(truncated)? as usize;
        let local = u32_at(b, p + 42).ok_or_else(truncated)? as usize;
        let name_bytes = b.get(p + 46..p + 46 + name_len).ok_or_else(truncated)?;
        let name = String::from_utf8_lossy(name_bytes).into_owned();
        p += 46 + name_len + extra_len + comment_len;
        if flags & 1 != 0 {
            return Err(format!("{name}: encrypted entries are not supported"));
        }
        if name.ends_with('/') || !wanted(&name) {
            continue;
        }
        if usize_ > max_entry {
            return Err(format!(
                "{name}: {usize_} bytes uncompressed, more than the {max_entry} read"
            ));
        }
        if u32_at(b, local) != Some(LOCAL) {
            return Err(format!("{name}: bad local file header at byte {local}"));
        }
        let lname = u16_at(b, local + 26).ok_or_else(truncated)? as usize;
        let lextra = u16_at(b, local + 28).ok_or_else(truncated)? as usize;
        let start = local + 30 + lname + lextra;
        let raw = b
            .get(start..start + csize)
            .ok_or_else(|| format!("{name}: truncated data ({csize} bytes expected)"))?;
        let data = match method {
            0 => raw.to_vec(),
            8 => {
                let mut d = Vec::with_capacity(usize_.min(64 << 20));
                flate2::read::DeflateDecoder::new(raw)
                    .take(max_entry as u64 + 1)
                    .read_to_end(&mut d)
                    .map_err(|e| format!("{name}: bad deflate data: {e}"))?;
                d
            }
            m => return Err(format!("{name}: compression method {m} is not supported")),
        };
        if data.len() != usize_ {
            return Err(format!(
                "{name}: {} bytes after decompression, the directory says {usize_}",
                data.len()
            ));
        }
        let mut c = flate2::Crc::new();
        c.update(&data);
        if c.sum() != crc {
            return Err(format!(
                "{name}: CRC-32 mismatch ({:08x}, expected {crc:08x})",
                c.sum()
            ));
        }
        out.push(ZipEntry { name, data });
    }
    Ok(out)
}

/// A zip archive written entry by entry, each entry deflated as it is written (memory stays
/// bounded by the compressor's window, whatever the entry's size): the local header is
/// written first with zero CRC and sizes and patched once the entry is complete, so the
/// archive needs no data descriptors. No ZIP64: an entry or an archive of 4 GiB or more, or
/// more than 65,535 entries, is an error. Timestamps are a fixed date, so the same entries
/// give the same bytes.
pub struct ZipWriter<W: Write + Seek> {
    out: W,
    level: flate2::Compression,
    central: Vec<u8>,
    entries: usize,
}

/// An entry's CRC-32 and uncompressed size, counted on the way into the compressor.
struct Counting<W: Write> {
    inner: W,
    crc: flate2::Crc,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The fixed modification date of every entry (DOS format): 2019-10-07.
const DOS_DATE: u16 = 0x4F47;

fn too_large(what: String) -> std::io::Error {
    std::io::Error::other(format!(
        "{what}: 4 GiB or more (ZIP64 archives are not written)"
    ))
}

/// A local (`central == None`) or central-directory header (`Some(offset)`).
fn header(name: &str, crc: u32, csize: u32, usize_: u32, central: Option<u32>) -> Vec<u8> {
    let mut h = Vec::with_capacity(46 + name.len());
    h.extend_from_slice(&if central.is_some() { CENTRAL } else { LOCAL }.to_le_bytes());
    if central.is_some() {
        h.extend_from_slice(&20u16.to_le_bytes()); // version made by
    }
    h.extend_from_slice(&20u16.to_le_bytes()); // version needed
    h.extend_from_slice(&0u16.to_le_bytes()); // flags
    h.extend_from_slice(&8u16.to_le_bytes()); // deflate
    h.extend_from_slice(&0u16.to_le_bytes()); // time
    h.extend_from_slice(&DOS_DATE.to_le_bytes());
    h.extend_from_slice(&crc.to_le_bytes());
    h.extend_from_slice(&csize.to_le_bytes());
    h.extend_from_slice(&usize_.to_le_bytes());
    h.extend_from_slice(&(name.len() as u16).to_le_bytes());
    h.extend_from_slice(&0u16.to_le_bytes()); // extra
    if let Some(offset) = central {
        h.extend_from_slice(&0u16.to_le_bytes()); // comment
        h.extend_from_slice(&0u16.to_le_bytes()); // disk
        h.extend_from_slice(&0u16.to_le_bytes()); // internal attrs
        h.extend_from_slice(&0u32.to_le_bytes()); // external attrs
        h.extend_from_slice(&offset.to_le_bytes());
    }
    h.extend_from_slice(name.as_bytes());
    h
}

impl<W: Write + Seek> ZipWriter<W> {
    /// An empty archive written to `out` from its current position, entries deflated at
    /// `level`.
    pub fn new(out: W, level: flate2::Compression) -> Self {
        ZipWriter {
            out,
            level,
            central: Vec::new(),
            entries: 0,
        }
    }

    /// Adds the entry `name`, whose bytes `fill` writes (through a buffer, into the
    /// compressor).
    ///
    /// # Errors
    /// `fill`'s error, the writer's, a name longer than 65,535 bytes, an entry or archive
    /// past 4 GiB, or more than 65,535 entries.
    pub fn entry(
        &mut self,
        name: &str,
        fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        if name.len() > usize::from(u16::MAX) || self.entries >= usize::from(u16::MAX) {
            return Err(std::io::Error::other(format!(
                "{name}: too long a name or too many entries for a zip archive"
            )));
        }
        let start = self.out.stream_position()?;
        let offset = u32::try_from(start).map_err(|_| too_large("the archive".into()))?;
        self.out.write_all(&header(name, 0, 0, 0, None))?;
        let data_start = self.out.stream_position()?;
        let (crc, bytes) = {
            let mut counting = Counting {
                inner: flate2::write::DeflateEncoder::new(&mut self.out, self.level),
                crc: flate2::Crc::new(),
                bytes: 0,
            };
            let mut buf = std::io::BufWriter::with_capacity(1 << 16, &mut counting);
            fill(&mut buf)?;
            buf.flush()?;
            drop(buf);
            let Counting { inner, crc, bytes } = counting;
            inner.finish()?;
            (crc.sum(), bytes)
        };
        let end = self.out.stream_position()?;
        let csize = u32::try_from(end - data_start).map_err(|_| too_large(name.into()))?;
        let usize_ = u32::try_from(bytes).map_err(|_| too_large(name.into()))?;
        self.out.seek(SeekFrom::Start(start + 14))?;
        self.out.write_all(&crc.to_le_bytes())?;
        self.out.write_all(&csize.to_le_bytes())?;
        self.out.write_all(&usize_.to_le_bytes())?;
        self.out.seek(SeekFrom::Start(end))?;
        self.central
            .extend(header(name, crc, csize, usize_, Some(offset)));
        self.entries += 1;
        Ok(())
    }

    /// Writes the central directory and returns the writer.
    ///
    /// # Errors
    /// The writer's; an archive past 4 GiB.
    pub fn finish(mut self) -> std::io::Result<W> {
        let cd_off = u32::try_from(self.out.stream_position()?)
            .map_err(|_| too_large("the archive".into()))?;
        let n = self.entries as u16;
        self.out.write_all(&self.central)?;
        let mut end = Vec::with_capacity(22);
        end.extend_from_slice(&END.to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes());
        end.extend_from_slice(&n.to_le_bytes());
        end.extend_from_slice(&n.to_le_bytes());
        end.extend_from_slice(&(self.central.len() as u32).to_le_bytes());
        end.extend_from_slice(&cd_off.to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes());
        self.out.write_all(&end)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes an archive of deflated entries in memory (test fixtures).
pub fn write_deflated(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = ZipWriter::new(
        std::io::Cursor::new(Vec::new()),
        flate2::Compression::best(),
    );
    for (name, data) in entries {
        // Writing to a Vec cannot fail (and the fixtures are small).
        let _ = z.entry(name, |w| w.write_all(data));
    }
    z.finish().map(|c| c.into_inner()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage() {
        let text = b"a,b\n1,2\n".repeat(50);
        let z = write_deflated(&[("F.CSV", &text), ("G.txt", b"x")]);
        let e = read_all(&z).expect("valid zip");
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].name, "F.CSV");
        assert_eq!(e[0].data, text);
        assert!(read_all(b"PK nonsense").unwrap_err().contains("not a zip"));
        let cut = &z[..z.len() / 2];
        assert!(read_all(cut).is_err());
        let mut bad = z.clone();
        bad[40] ^= 0xFF; // inside the first entry's compressed data
        assert!(read_all(&bad).is_err());
    }
}
