//! edXML (QCVN 102:2016/BTTTT) reading and writing with quick-xml: the envelope of an
//! official document (header, trace, our ed25519 seal in `Signature`, the body's manifest,
//! the files base64-encoded) and the status package. docs/exchange.md maps every element.
//!
//! Reading never trusts the input: no DTD, no entity but XML's five and character
//! references, a depth and an element limit, every required field checked, the manifest
//! matched against the files, the files' hashes computed here (never taken from the XML).

use crate::canonical::{Attestation, Seal, SealRecord};
use crate::model::{
    Attachment, Business, Envelope, Organ, Priority, Problem, Signer, Status, StatusPackage,
};
use base64::Engine;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use std::io::Cursor;

/// The edXML namespace of QCVN 102:2016.
pub const NS: &str = "http://www.mic.gov.vn/TBT/QCVN_102_2016";
/// Our namespace, for the seal inside `edXML:Signature`.
pub const ECABINET_NS: &str = "urn:ecabinet:exchange:v1";
/// Deepest nesting read.
const MAX_DEPTH: usize = 32;
/// Most elements read.
const MAX_ELEMENTS: usize = 20_000;

/// One hop the envelope made (edXML `TraceHeader`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    /// The organ that handled it.
    pub organ_id: String,
    /// When, Unix ms.
    pub timestamp: i64,
}

/// An envelope as read: the header with the files' hashes, the files in manifest order,
/// the seal if it carries one, the sending deployment's attestation of the seal if it
/// carries one, and its trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    /// The header.
    pub envelope: Envelope,
    /// The signer's seal.
    pub seal: Option<Seal>,
    /// The sending deployment's word that the seal is by a key of the sending organ
    /// (checked by a receiver against the key it has on record for that deployment).
    pub attestation: Option<Attestation>,
    /// The files, in the order of `envelope.attachments`.
    pub files: Vec<Vec<u8>>,
    /// The hops so far.
    pub trace: Vec<Trace>,
}

/// An element with its local name, attributes (qualified names), text and children.
#[derive(Debug, Default)]
struct El {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    kids: Vec<El>,
}

impl El {
    fn child(&self, name: &str) -> Option<&El> {
        self.kids.iter().find(|k| k.name == name)
    }

    fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a El> + 'a {
        self.kids.iter().filter(move |k| k.name == name)
    }

    fn at(&self, path: &[&str]) -> Option<&El> {
        path.iter().try_fold(self, |el, n| el.child(n))
    }

    fn text_at(&self, path: &[&str]) -> Option<String> {
        self.at(path).map(|e| e.text.trim().to_owned())
    }

    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn local(qname: &str) -> &str {
    qname.rsplit(':').next().unwrap_or(qname)
}

fn malformed(reason: impl std::fmt::Display) -> Problem {
    Problem::new("edXML", format!("malformed XML: {reason}"))
}

/// Reads `xml` into a tree, refusing DTDs, unknown entities and runaway nesting.
fn tree(xml: &str) -> Result<El, Problem> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<El> = Vec::new();
    let mut root = None;
    let mut count = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| malformed(format!("{e} (at byte {})", reader.buffer_position())))?;
        let open = |e: &quick_xml::events::BytesStart<'_>| -> Result<El, Problem> {
            let mut attrs = Vec::new();
            for a in e.attributes() {
                let a = a.map_err(malformed)?;
                let value = a
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map_err(malformed)?;
                attrs.push((a.key.as_ref().to_owned(), value.into_owned()));
            }
            Ok(El {
                name: local(e.name().as_ref()).to_owned(),
                attrs,
                ..El::default()
            })
        };
        match event {
            Event::Start(e) | Event::Empty(e) if root.is_some() => {
                let _ = e;
                return Err(malformed("content after the root element"));
            }
            Event::Start(e) => {
                count += 1;
                if stack.len() >= MAX_DEPTH || count > MAX_ELEMENTS {
                    return Err(malformed("nested too deep or too many elements"));
                }
                stack.push(open(&e)?);
            }
            Event::Empty(e) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(malformed("too many elements"));
                }
                let el = open(&e)?;
                match stack.last_mut() {
                    Some(parent) => parent.kids.push(el),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or_else(|| malformed("unexpected end tag"))?;
                match stack.last_mut() {
                    Some(parent) => parent.kids.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => match stack.last_mut() {
                Some(el) => el.text.push_str(&t.xml10_content()),
                None if t.trim().is_empty() => {}
                None => return Err(malformed("text outside the root element")),
            },
            Event::CData(t) => match stack.last_mut() {
                Some(el) => el.text.push_str(&t.xml10_content()),
                None => return Err(malformed("text outside the root element")),
            },
            Event::GeneralRef(r) => {
                let el = stack
                    .last_mut()
                    .ok_or_else(|| malformed("a reference outside the root element"))?;
                if r.is_char_ref() {
                    match r.resolve_char_ref().map_err(malformed)? {
                        Some(c) if !c.is_control() || matches!(c, '\n' | '\t' | '\r') => {
                            el.text.push(c)
                        }
                        _ => return Err(malformed("a character reference to a control character")),
                    }
                } else {
                    let name = r.xml10_content();
                    let v = quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| malformed(format!("unknown entity &{name};")))?;
                    el.text.push_str(v);
                }
            }
            Event::DocType(_) => return Err(malformed("a DTD is not accepted")),
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(malformed("the document ends inside an element"));
    }
    root.ok_or_else(|| malformed("no root element"))
}

/// The root, checked to be `name` in the edXML namespace.
fn root(xml: &str, name: &str) -> Result<El, Problem> {
    let el = tree(xml)?;
    if el.name != name {
        return Err(malformed(format!("the root is {}, not {name}", el.name)));
    }
    if !el
        .attrs
        .iter()
        .any(|(k, v)| (k == "xmlns" || k.starts_with("xmlns:")) && v == NS)
    {
        return Err(malformed(format!("the root is not in the namespace {NS}")));
    }
    Ok(el)
}

struct Fields<'a> {
    problems: &'a mut Vec<Problem>,
}

impl Fields<'_> {
    fn required(&mut self, el: Option<&El>, path: &[&str], field: &str) -> String {
        match el.and_then(|e| e.text_at(path)) {
            Some(v) if !v.is_empty() => v,
            _ => {
                self.problems.push(Problem::new(field, "is missing"));
                String::new()
            }
        }
    }

    fn organ(&mut self, el: Option<&El>, field: &str) -> Organ {
        Organ {
            id: self.required(el, &["OrganId"], field),
            name: el
                .and_then(|e| e.text_at(&["OrganName"]))
                .unwrap_or_default(),
        }
    }
}

fn parse_time(s: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Unix ms as RFC 3339 in UTC with milliseconds.
pub fn format_time(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn hex_array<const N: usize>(s: &str) -> Option<[u8; N]> {
    hex::decode(s.trim()).ok()?.try_into().ok()
}

/// Reads an envelope. Every problem found is returned at once (status 02 lists them).
pub fn read_envelope(xml: &str) -> Result<Package, Vec<Problem>> {
    let doc = root(xml, "edXMLEnvelope").map_err(|p| vec![p])?;
    let mut problems = Vec::new();
    let header = doc.at(&["edXMLHeader", "MessageHeader"]);
    if header.is_none() {
        problems.push(Problem::new("MessageHeader", "is missing"));
    }
    let mut f = Fields {
        problems: &mut problems,
    };
    let from = f.organ(header.and_then(|h| h.child("From")), "From");
    let to: Vec<Organ> = header
        .map(|h| h.children("To").collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|t| f.organ(Some(t), "To"))
        .collect();
    let document_id = f.required(header, &["DocumentId"], "DocumentId");
    let code_number = f.required(header, &["Code", "CodeNumber"], "CodeNumber");
    let promulgation_date = f.required(
        header,
        &["PromulgationInfo", "PromulgationDate"],
        "PromulgationDate",
    );
    let document_type = f.required(header, &["DocumentType", "TypeName"], "DocumentType");
    let subject = f.required(header, &["Subject"], "Subject");
    let full_name = f.required(header, &["SignerInfo", "FullName"], "FullName");
    let opt = |path: &[&str]| header.and_then(|h| h.text_at(path)).unwrap_or_default();
    let priority = match header.and_then(|h| h.text_at(&["OtherInfo", "Priority"])) {
        None => Priority::Normal,
        Some(p) => p
            .parse()
            .ok()
            .and_then(Priority::from_code)
            .unwrap_or_else(|| {
                problems.push(Problem::new("Priority", format!("“{p}” is not 0 to 3")));
                Priority::Normal
            }),
    };
    let page_amount = match header.and_then(|h| h.text_at(&["OtherInfo", "PageAmount"])) {
        None => None,
        Some(p) if p.is_empty() => None,
        Some(p) => match p.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                problems.push(Problem::new("PageAmount", format!("“{p}” is not a number")));
                None
            }
        },
    };
    let trace_list = doc.at(&["edXMLHeader", "TraceHeaderList"]);
    let business_el = trace_list.and_then(|t| t.child("Bussiness"));
    let business = match business_el.and_then(|b| b.text_at(&["BussinessDocType"])) {
        None => Business::New,
        Some(b) => b
            .parse()
            .ok()
            .and_then(Business::from_code)
            .unwrap_or_else(|| {
                problems.push(Problem::new(
                    "BussinessDocType",
                    format!("“{b}” is not 0 to 3"),
                ));
                Business::New
            }),
    };
    let mut trace = Vec::new();
    for t in trace_list
        .map(|t| t.children("TraceHeader").collect::<Vec<_>>())
        .unwrap_or_default()
    {
        match (
            t.text_at(&["OrganId"]),
            t.text_at(&["Timestamp"]).and_then(|s| parse_time(&s)),
        ) {
            (Some(organ_id), Some(timestamp)) => trace.push(Trace {
                organ_id,
                timestamp,
            }),
            _ => problems.push(Problem::new(
                "TraceHeader",
                "needs an OrganId and an RFC 3339 Timestamp",
            )),
        }
    }
    let seal = match doc.at(&["edXMLHeader", "Signature", "Seal"]) {
        None => None,
        Some(s) => {
            let record = s
                .attr("Record")
                .and_then(|r| hex::decode(r).ok())
                .and_then(|b| SealRecord::from_bytes(&b));
            let key = s.attr("PublicKey").and_then(hex_array::<32>);
            let sig = s.attr("Value").and_then(hex_array::<64>);
            match (record, key, sig) {
                (Some(record), Some(public_key), Some(signature)) => Some(Seal {
                    record,
                    public_key,
                    signature,
                }),
                _ => {
                    problems.push(Problem::new("Signature", "the seal cannot be read"));
                    None
                }
            }
        }
    };
    let attestation = match doc.at(&["edXMLHeader", "Signature", "Attestation"]) {
        None => None,
        Some(a) => match (
            a.attr("ServerKey").and_then(hex_array::<32>),
            a.attr("Value").and_then(hex_array::<64>),
        ) {
            (Some(server_key), Some(signature)) => Some(Attestation {
                server_key,
                signature,
            }),
            _ => {
                problems.push(Problem::new("Signature", "the attestation cannot be read"));
                None
            }
        },
    };

    // The manifest names the files; each must come once, base64-encoded, as a PDF.
    let refs: Vec<&El> = doc
        .at(&["edXMLBody", "Manifest"])
        .map(|m| m.children("Reference").collect())
        .unwrap_or_default();
    let encoded: Vec<&El> = doc
        .child("AttachmentEncoded")
        .map(|a| a.children("Attachment").collect())
        .unwrap_or_default();
    let mut attachments = Vec::new();
    let mut files = Vec::new();
    for r in &refs {
        let cid = r.text_at(&["ContentId"]).unwrap_or_default();
        let name = r.text_at(&["Description"]).unwrap_or_default();
        let content_type = r.text_at(&["ContentType"]).unwrap_or_default();
        let Some(att) = encoded
            .iter()
            .find(|a| a.attr("ContentId") == Some(cid.as_str()))
        else {
            problems.push(Problem::new(
                "Attachment",
                format!("{cid} is in the manifest but not attached"),
            ));
            continue;
        };
        let clean: String = att.text.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = match base64::engine::general_purpose::STANDARD.decode(clean) {
            Ok(b) => b,
            Err(e) => {
                problems.push(Problem::new(
                    "Attachment",
                    format!("{cid} is not base64: {e}"),
                ));
                continue;
            }
        };
        let head = &bytes[..bytes.len().min(1024)];
        if !head.windows(5).any(|w| w == b"%PDF-") {
            problems.push(Problem::new(
                "Attachment",
                format!(
                    "{} ({cid}) is not a PDF",
                    if name.is_empty() { &cid } else { &name }
                ),
            ));
        }
        attachments.push(Attachment {
            content_id: cid,
            name,
            content_type,
            sha256: ecabinet_crypto::sha256(&bytes),
            size: bytes.len() as u64,
        });
        files.push(bytes);
    }
    for a in &encoded {
        let cid = a.attr("ContentId").unwrap_or_default();
        if !refs
            .iter()
            .any(|r| r.text_at(&["ContentId"]).as_deref() == Some(cid))
        {
            problems.push(Problem::new(
                "Attachment",
                format!("{cid} is attached but not in the manifest"),
            ));
        }
    }

    let envelope = Envelope {
        document_id,
        from,
        to,
        code_number,
        code_notation: opt(&["Code", "CodeNotation"]),
        place: opt(&["PromulgationInfo", "Place"]),
        promulgation_date,
        document_type,
        subject,
        signer: Signer {
            competence: opt(&["SignerInfo", "Competence"]),
            position: opt(&["SignerInfo", "Position"]),
            full_name,
        },
        due_date: header
            .and_then(|h| h.text_at(&["DueDate"]))
            .filter(|d| !d.is_empty()),
        priority,
        page_amount,
        business,
        target: business_el
            .and_then(|b| b.text_at(&["BussinessDocId"]))
            .filter(|d| !d.is_empty()),
        reason: business_el
            .and_then(|b| b.text_at(&["BussinessDocReason"]))
            .unwrap_or_default(),
        attachments,
    };
    // Missing fields were reported already; the model's rules add the rest.
    for p in envelope.problems() {
        if !problems.iter().any(|q| q.field == p.field) {
            problems.push(p);
        }
    }
    if problems.is_empty() {
        Ok(Package {
            envelope,
            seal,
            attestation,
            files,
            trace,
        })
    } else {
        Err(problems)
    }
}

type W = Writer<Cursor<Vec<u8>>>;

fn leaf(w: &mut W, name: &str, value: &str) -> std::io::Result<()> {
    w.create_element(format!("edXML:{name}"))
        .write_text_content(BytesText::new(value))?;
    Ok(())
}

fn organ_el(w: &mut W, name: &str, o: &Organ) -> std::io::Result<()> {
    w.create_element(format!("edXML:{name}"))
        .write_inner_content(|w| {
            leaf(w, "OrganId", &o.id)?;
            leaf(w, "OrganName", &o.name)
        })?;
    Ok(())
}

fn finish(w: W) -> String {
    String::from_utf8(w.into_inner().into_inner()).unwrap_or_default()
}

/// Writes an envelope with its files (in the order of `e.attachments`), seal, the sending
/// deployment's attestation of the seal, and trace.
pub fn write_envelope(
    e: &Envelope,
    seal: Option<&Seal>,
    attestation: Option<&Attestation>,
    files: &[&[u8]],
    trace: &[Trace],
) -> std::io::Result<String> {
    let mut w = Writer::new_with_indent(Cursor::new(Vec::new()), b' ', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("edXML:edXMLEnvelope")
        .with_attribute(("xmlns:edXML", NS))
        .write_inner_content(|w| {
            w.create_element("edXML:edXMLHeader")
                .write_inner_content(|w| {
                    w.create_element("edXML:MessageHeader")
                        .write_inner_content(|w| {
                            organ_el(w, "From", &e.from)?;
                            for o in &e.to {
                                organ_el(w, "To", o)?;
                            }
                            leaf(w, "DocumentId", &e.document_id)?;
                            w.create_element("edXML:Code").write_inner_content(|w| {
                                leaf(w, "CodeNumber", &e.code_number)?;
                                leaf(w, "CodeNotation", &e.code_notation)
                            })?;
                            w.create_element("edXML:PromulgationInfo")
                                .write_inner_content(|w| {
                                    leaf(w, "Place", &e.place)?;
                                    leaf(w, "PromulgationDate", &e.promulgation_date)
                                })?;
                            w.create_element("edXML:DocumentType")
                                .write_inner_content(|w| leaf(w, "TypeName", &e.document_type))?;
                            leaf(w, "Subject", &e.subject)?;
                            w.create_element("edXML:SignerInfo")
                                .write_inner_content(|w| {
                                    leaf(w, "Competence", &e.signer.competence)?;
                                    leaf(w, "Position", &e.signer.position)?;
                                    leaf(w, "FullName", &e.signer.full_name)
                                })?;
                            if let Some(d) = &e.due_date {
                                leaf(w, "DueDate", d)?;
                            }
                            w.create_element("edXML:OtherInfo")
                                .write_inner_content(|w| {
                                    leaf(w, "Priority", &e.priority.code().to_string())?;
                                    if let Some(n) = e.page_amount {
                                        leaf(w, "PageAmount", &n.to_string())?;
                                    }
                                    Ok(())
                                })?;
                            Ok(())
                        })?;
                    w.create_element("edXML:TraceHeaderList")
                        .write_inner_content(|w| {
                            for t in trace {
                                w.create_element("edXML:TraceHeader")
                                    .write_inner_content(|w| {
                                        leaf(w, "OrganId", &t.organ_id)?;
                                        leaf(w, "Timestamp", &format_time(t.timestamp))
                                    })?;
                            }
                            w.create_element("edXML:Bussiness")
                                .write_inner_content(|w| {
                                    leaf(w, "BussinessDocType", &e.business.code().to_string())?;
                                    leaf(w, "BussinessDocReason", &e.reason)?;
                                    if let Some(t) = &e.target {
                                        leaf(w, "BussinessDocId", t)?;
                                    }
                                    Ok(())
                                })?;
                            Ok(())
                        })?;
                    if let Some(s) = seal {
                        let record = hex::encode(s.record.to_bytes());
                        let key = hex::encode(s.public_key);
                        let value = hex::encode(s.signature);
                        w.create_element("edXML:Signature")
                            .write_inner_content(|w| {
                                w.create_element("ecabinet:Seal")
                                    .with_attribute(("xmlns:ecabinet", ECABINET_NS))
                                    .with_attribute(("Algorithm", "ed25519"))
                                    .with_attribute(("Record", record.as_str()))
                                    .with_attribute(("PublicKey", key.as_str()))
                                    .with_attribute(("Value", value.as_str()))
                                    .write_empty()?;
                                if let Some(a) = attestation {
                                    let key = hex::encode(a.server_key);
                                    let value = hex::encode(a.signature);
                                    w.create_element("ecabinet:Attestation")
                                        .with_attribute(("xmlns:ecabinet", ECABINET_NS))
                                        .with_attribute(("Algorithm", "ed25519"))
                                        .with_attribute(("ServerKey", key.as_str()))
                                        .with_attribute(("Value", value.as_str()))
                                        .write_empty()?;
                                }
                                Ok(())
                            })?;
                    }
                    Ok(())
                })?;
            w.create_element("edXML:edXMLBody")
                .write_inner_content(|w| {
                    w.create_element("edXML:Manifest")
                        .with_attribute(("version", "1.0"))
                        .write_inner_content(|w| {
                            for a in &e.attachments {
                                w.create_element("edXML:Reference")
                                    .write_inner_content(|w| {
                                        leaf(w, "ContentId", &a.content_id)?;
                                        leaf(w, "ContentType", &a.content_type)?;
                                        leaf(w, "Description", &a.name)
                                    })?;
                            }
                            Ok(())
                        })?;
                    Ok(())
                })?;
            w.create_element("edXML:AttachmentEncoded")
                .write_inner_content(|w| {
                    for (a, bytes) in e.attachments.iter().zip(files) {
                        let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
                        w.create_element("edXML:Attachment")
                            .with_attribute(("ContentId", a.content_id.as_str()))
                            .with_attribute(("ContentType", a.content_type.as_str()))
                            .with_attribute(("ContentName", a.name.as_str()))
                            .with_attribute(("ContentTransferEncoded", "base64"))
                            .write_text_content(BytesText::new(&b64))?;
                    }
                    Ok(())
                })?;
            Ok(())
        })?;
    Ok(finish(w))
}

/// Writes a status package, with the reporting deployment's signature over
/// [`crate::canonical::status_bytes`] when given.
pub fn write_status(s: &StatusPackage, signature: Option<&[u8; 64]>) -> std::io::Result<String> {
    let mut w = Writer::new_with_indent(Cursor::new(Vec::new()), b' ', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("edXML:Status")
        .with_attribute(("xmlns:edXML", NS))
        .write_inner_content(|w| {
            w.create_element("edXML:Header").write_inner_content(|w| {
                w.create_element("edXML:ResponseFor")
                    .write_inner_content(|w| {
                        leaf(w, "OrganId", &s.to.id)?;
                        leaf(w, "OrganName", &s.to.name)?;
                        leaf(w, "Code", &s.code)?;
                        leaf(w, "DocumentId", &s.document_id)
                    })?;
                organ_el(w, "From", &s.from)?;
                leaf(w, "StatusCode", s.status.code())?;
                leaf(w, "Description", &s.description)?;
                leaf(w, "Timestamp", &format_time(s.timestamp))?;
                w.create_element("edXML:StaffInfo")
                    .write_inner_content(|w| leaf(w, "Staff", &s.staff))?;
                Ok(())
            })?;
            if let Some(sig) = signature {
                let value = hex::encode(sig);
                w.create_element("edXML:Signature")
                    .write_inner_content(|w| {
                        w.create_element("ecabinet:Seal")
                            .with_attribute(("xmlns:ecabinet", ECABINET_NS))
                            .with_attribute(("Algorithm", "ed25519"))
                            .with_attribute(("Value", value.as_str()))
                            .write_empty()?;
                        Ok(())
                    })?;
            }
            Ok(())
        })?;
    Ok(finish(w))
}

/// Reads a status package and the signature it carries, if any.
pub fn read_status(xml: &str) -> Result<(StatusPackage, Option<[u8; 64]>), Vec<Problem>> {
    let doc = root(xml, "Status").map_err(|p| vec![p])?;
    let mut problems = Vec::new();
    let header = doc.child("Header");
    let mut f = Fields {
        problems: &mut problems,
    };
    let response = header.and_then(|h| h.child("ResponseFor"));
    let to = f.organ(response, "ResponseFor");
    let document_id = f.required(response, &["DocumentId"], "DocumentId");
    let from = f.organ(header.and_then(|h| h.child("From")), "From");
    let code = f.required(header, &["StatusCode"], "StatusCode");
    let stamp = f.required(header, &["Timestamp"], "Timestamp");
    let status = Status::from_code(&code);
    if status.is_none() && !code.is_empty() {
        problems.push(Problem::new(
            "StatusCode",
            format!("“{code}” is not a status"),
        ));
    }
    let timestamp = parse_time(&stamp);
    if timestamp.is_none() && !stamp.is_empty() {
        problems.push(Problem::new("Timestamp", "must be RFC 3339"));
    }
    let signature = match doc.at(&["Signature", "Seal"]) {
        None => None,
        Some(s) => match s.attr("Value").and_then(hex_array::<64>) {
            Some(v) => Some(v),
            None => {
                problems.push(Problem::new("Signature", "cannot be read"));
                None
            }
        },
    };
    let package = StatusPackage {
        document_id,
        code: response
            .and_then(|r| r.text_at(&["Code"]))
            .unwrap_or_default(),
        from,
        to,
        status: status.unwrap_or(Status::Arrived),
        description: header
            .and_then(|h| h.text_at(&["Description"]))
            .unwrap_or_default(),
        staff: header
            .and_then(|h| h.text_at(&["StaffInfo", "Staff"]))
            .unwrap_or_default(),
        timestamp: timestamp.unwrap_or(0),
    };
    for p in package.problems() {
        if !problems.iter().any(|q| q.field == p.field) {
            problems.push(p);
        }
    }
    if problems.is_empty() {
        Ok((package, signature))
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::envelope_digest;
    use crate::model::tests::sample;
    use proptest::prelude::*;

    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

    fn package() -> (Envelope, Vec<u8>) {
        let mut e = sample();
        e.attachments[0].sha256 = ecabinet_crypto::sha256(PDF);
        e.attachments[0].size = PDF.len() as u64;
        e.subject = "V/v <khẩn> & \"đặc biệt\" — Luật Đất đai".into();
        (e, PDF.to_vec())
    }

    fn written() -> String {
        let (e, file) = package();
        let trace = [Trace {
            organ_id: e.from.id.clone(),
            timestamp: 1_796_000_000_123,
        }];
        write_envelope(&e, None, None, &[&file], &trace).unwrap_or_default()
    }

    #[test]
    fn an_envelope_survives_writing_and_reading() {
        let (e, file) = package();
        let xml = written();
        assert!(xml.contains(NS));
        let back = read_envelope(&xml).unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(back.envelope, e);
        assert_eq!(envelope_digest(&back.envelope), envelope_digest(&e));
        assert_eq!(back.files, vec![file]);
        assert_eq!(back.trace[0].timestamp, 1_796_000_000_123);
    }

    #[test]
    fn a_seal_and_its_attestation_survive_writing_and_reading() {
        let (e, file) = package();
        let signer = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
        let server = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let record = SealRecord::new(
            envelope_digest(&e),
            7,
            ecabinet_crypto::sha256(signer.verifying_key().as_bytes()),
            1_796_000_000_000,
        );
        let seal = Seal {
            signature: ecabinet_crypto::sign(&signer, &record.to_bytes()),
            public_key: signer.verifying_key().to_bytes(),
            record,
        };
        let attestation = Attestation::sign(&server, &e.from.id, &seal.record);
        let xml =
            write_envelope(&e, Some(&seal), Some(&attestation), &[&file], &[]).unwrap_or_default();
        let back = read_envelope(&xml).unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(back.seal.as_ref(), Some(&seal));
        assert_eq!(back.attestation.as_ref(), Some(&attestation));
        assert!(attestation.verify(&server.verifying_key(), &e.from.id, &seal.record));
        let broken = xml.replace(&hex::encode(attestation.signature), "00");
        assert_eq!(fields_of(&broken), vec!["Signature".to_owned()]);
    }

    fn fields_of(xml: &str) -> Vec<String> {
        match read_envelope(xml) {
            Ok(_) => vec![],
            Err(p) => p.into_iter().map(|p| p.field).collect(),
        }
    }

    #[test]
    fn bad_envelopes_are_refused_with_their_field() {
        let xml = written();
        let cases: Vec<(String, &str)> = vec![
            (xml.replace("</edXML:edXMLEnvelope>", ""), "edXML"),
            (xml.replace(NS, "urn:other"), "edXML"),
            (
                xml.replacen("<edXML:Subject>", "<edXML:Subject>&bomb;", 1),
                "edXML",
            ),
            (
                xml.replace(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                    "<!DOCTYPE x [<!ENTITY a \"b\">]>",
                ),
                "edXML",
            ),
            (
                xml.replace(
                    "<edXML:Subject>",
                    &format!("<edXML:Subject>{}", "x".repeat(500)),
                ),
                "Subject",
            ),
            (xml.replacen("000.00.00.H26", "000.00.00.G12", 1), "To"),
            (
                xml.replace("<edXML:FullName>Nguyễn Văn A</edXML:FullName>", ""),
                "FullName",
            ),
            (
                xml.replace(
                    &base64::engine::general_purpose::STANDARD.encode(PDF),
                    &base64::engine::general_purpose::STANDARD.encode(b"hello, not a pdf"),
                ),
                "Attachment",
            ),
            (
                xml.replace(">cid:1</edXML:ContentId>", ">cid:2</edXML:ContentId>"),
                "Attachment",
            ),
        ];
        for (i, (bad, field)) in cases.iter().enumerate() {
            let got = fields_of(bad);
            assert!(got.iter().any(|f| f == field), "case {i}: {got:?}");
        }
        let deep = format!(
            "<edXML:edXMLEnvelope xmlns:edXML=\"{NS}\">{}{}</edXML:edXMLEnvelope>",
            "<a>".repeat(100),
            "</a>".repeat(100)
        );
        assert_eq!(fields_of(&deep), ["edXML"]);
    }

    #[test]
    fn a_status_package_survives_writing_and_reading() {
        let s = StatusPackage {
            document_id: "000.00.00.G22/42".into(),
            code: "1234/VPCP-KTTH".into(),
            from: Organ {
                id: "000.00.00.H26".into(),
                name: "UBND thành phố Hà Nội".into(),
            },
            to: Organ {
                id: "000.00.00.G22".into(),
                name: "Văn phòng Chính phủ".into(),
            },
            status: Status::Rejected,
            description: "Không đúng thẩm quyền".into(),
            staff: "Văn thư UBND".into(),
            timestamp: 1_796_000_000_000,
        };
        let sig = [9u8; 64];
        let xml = write_status(&s, Some(&sig)).unwrap_or_default();
        assert_eq!(read_status(&xml), Ok((s.clone(), Some(sig))));
        let no_reason = xml.replace("Không đúng thẩm quyền", "");
        assert_eq!(
            read_status(&no_reason).err().map(|p| p[0].field.clone()),
            Some("Description".to_owned())
        );
        let bad_code = xml.replace(">02<", ">99<");
        assert!(read_status(&bad_code).is_err());
    }

    proptest! {
        // The fuzz target's property on stable: any input is refused or read, never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(s in ".{0,400}") {
            let _ = read_envelope(&s);
            let _ = read_status(&s);
        }

        #[test]
        fn mutated_envelopes_never_panic(cut in 0usize..4000, insert in "[<>&;/\"a-z]{0,8}") {
            let xml = written();
            let at = xml.char_indices().map(|(i, _)| i).nth(cut % xml.chars().count()).unwrap_or(0);
            let mut m = xml.clone();
            m.insert_str(at, &insert);
            let _ = read_envelope(&m);
        }
    }
}
