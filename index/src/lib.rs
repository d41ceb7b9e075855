//! The knowledge index (tantivy): a projection of the knowledge events that the knowledge agent
//! and the search API read.
//!
//! - [`arabic`]: Arabic folding and tokenizing; [`schema`]: fields and analyzers.
//! - [`KnowledgeIndex`]: one index directory: apply changes with the log checkpoint they reach
//!   (kept as the commit payload, so a restart resumes there), and search.
//! - [`Generations`]: the index root holds one directory per full build and a `CURRENT` file naming
//!   the live one; a reindex builds a new generation beside it and swaps `CURRENT` atomically.

pub mod arabic;
pub mod english;
pub mod eval;
pub mod isnad;
pub mod query;
pub mod schema;
mod search;
pub mod translit;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use std::collections::HashMap;

use hijraah_domain::grades::Grade;
use hijraah_domain::knowledge::KnowledgeDocument;
use rayon::prelude::*;
use tantivy::schema::Term;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument};

pub use schema::Fields;
pub use search::{Hit, NAMED_SCORE, SearchRequest, SearchResults};

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("search index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("index directory error: {0}")]
    Io(#[from] std::io::Error),
    #[error("the index is open read-only")]
    ReadOnly,
    #[error("the index on disk was built by an older version and must be rebuilt from the log")]
    OutdatedSchema,
}

/// A change to the index, in log order.
#[derive(Debug, Clone)]
pub enum Change {
    /// A text added or revised, as of `revision` (its stream's version).
    Upsert {
        document: Box<KnowledgeDocument>,
        revision: u64,
    },
    Delete(String),
    /// A curator's grade: added to the document's, and kept when its text is revised. A grade
    /// for a document the index does not hold (retracted, or never added) changes nothing.
    Grade {
        id: String,
        grade: Grade,
        revision: u64,
    },
}

pub struct KnowledgeIndex {
    index: Index,
    reader: IndexReader,
    writer: Option<Mutex<IndexWriter>>,
    fields: Fields,
    dir: PathBuf,
}

const WRITER_MEMORY: usize = 128 * 1024 * 1024;

impl KnowledgeIndex {
    /// Opens the index in `dir`, creating an empty one if there is none. `writable` takes the
    /// directory's writer lock (one writer per index across processes).
    pub fn open(dir: &Path, writable: bool) -> Result<Self, IndexError> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema::build();
        let index = if dir.join("meta.json").exists() {
            let existing = Index::open_in_dir(dir)?;
            if !schema::is_current(&existing.schema()) {
                return Err(IndexError::OutdatedSchema);
            }
            existing
        } else {
            Index::create_in_dir(dir, schema)?
        };
        schema::register_analyzers(&index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()?;
        let writer = if writable {
            Some(Mutex::new(index.writer(WRITER_MEMORY)?))
        } else {
            None
        };
        Ok(Self {
            index,
            reader,
            writer,
            fields,
            dir: dir.to_path_buf(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// The payload of the last commit: the log checkpoint the index has applied.
    pub fn checkpoint_payload(&self) -> Option<String> {
        self.index.load_metas().ok().and_then(|metas| metas.payload)
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Applies changes and commits them with `payload` (the checkpoint they reach), then makes
    /// them visible to searches.
    pub fn apply(&self, changes: &[Change], payload: &str) -> Result<(), IndexError> {
        let writer = self.writer.as_ref().ok_or(IndexError::ReadOnly)?;
        let mut writer = writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // What this batch wrote, by id (None: deleted): the searcher does not see it yet.
        let searcher = self.reader.searcher();
        let mut written: HashMap<&str, Option<TantivyDocument>> = HashMap::new();
        let current = |id: &str,
                       written: &HashMap<&str, Option<TantivyDocument>>|
         -> Result<Option<TantivyDocument>, IndexError> {
            match written.get(id) {
                Some(document) => Ok(document.clone()),
                None => search::stored(&searcher, &self.fields, id),
            }
        };
        for change in changes {
            match change {
                Change::Upsert { document, revision } => {
                    let kept = current(&document.id, &written)?
                        .map(|previous| annotations_of(&self.fields, &previous))
                        .unwrap_or_default();
                    let converted = to_tantivy(&self.fields, document, &kept, *revision);
                    writer.delete_term(Term::from_field_text(self.fields.id, &document.id));
                    writer.add_document(converted.clone())?;
                    written.insert(&document.id, Some(converted));
                }
                Change::Delete(id) => {
                    writer.delete_term(Term::from_field_text(self.fields.id, id));
                    written.insert(id, None);
                }
                Change::Grade { id, grade, revision } => {
                    let Some(previous) = current(id, &written)? else {
                        continue;
                    };
                    let mut annotations = annotations_of(&self.fields, &previous);
                    if annotations.contains(grade) {
                        continue;
                    }
                    annotations.push(grade.clone());
                    let regraded = with_annotations(&self.fields, &previous, &annotations, *revision);
                    writer.delete_term(Term::from_field_text(self.fields.id, id));
                    writer.add_document(regraded.clone())?;
                    written.insert(id, Some(regraded));
                }
            }
        }
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(payload);
        prepared.commit()?;
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// Builds a fresh index of `documents` in `dir` (which must be new), converting documents on
    /// every core and letting tantivy index with its own threads. `progress` is told how many
    /// documents were added so far.
    pub fn build(
        dir: &Path,
        documents: &[KnowledgeDocument],
        payload: &str,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<Self, IndexError> {
        Self::build_graded(dir, documents, &HashMap::new(), &HashMap::new(), payload, progress)
    }

    /// [`Self::build`], with the curators' grades of each document by id, and each one's
    /// revision (1 when not given).
    pub fn build_graded(
        dir: &Path,
        documents: &[KnowledgeDocument],
        annotations: &HashMap<String, Vec<Grade>>,
        revisions: &HashMap<String, u64>,
        payload: &str,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<Self, IndexError> {
        let built = Self::open(dir, true)?;
        {
            let writer = built.writer.as_ref().ok_or(IndexError::ReadOnly)?;
            let writer = writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let fields = built.fields;
            for (chunk_number, chunk) in documents.chunks(2_000).enumerate() {
                let converted: Vec<TantivyDocument> = chunk
                    .par_iter()
                    .map(|doc| {
                        to_tantivy(
                            &fields,
                            doc,
                            annotations.get(&doc.id).map_or(&[], Vec::as_slice),
                            revisions.get(&doc.id).copied().unwrap_or(1),
                        )
                    })
                    .collect();
                for document in converted {
                    writer.add_document(document)?;
                }
                progress((chunk_number * 2_000 + chunk.len()).min(documents.len()));
            }
        }
        let writer = built.writer.as_ref().ok_or(IndexError::ReadOnly)?;
        let mut writer = writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(payload);
        prepared.commit()?;
        drop(writer);
        built.reader.reload()?;
        Ok(built)
    }

    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, IndexError> {
        search::search(&self.index, &self.reader.searcher(), &self.fields, request)
    }

    /// The words of an English question that no text holds in any form searched (see
    /// `search::words::unheard_words`): the texts do not speak of what they name.
    pub fn unheard_words(&self, query: &str) -> Vec<String> {
        search::unheard_words(&self.index, &self.reader.searcher(), &self.fields, query)
    }

    /// Every primary text (not a translation into a third language) with the words a sentence
    /// encoder reads for it: the English where there is English, else the Arabic.
    pub fn embeddable_texts(&self) -> Result<Vec<(String, String)>, IndexError> {
        let searcher = self.reader.searcher();
        let mut texts = Vec::new();
        for (ordinal, segment) in searcher.segment_readers().iter().enumerate() {
            let alive = segment.alive_bitset();
            for doc_id in 0..segment.max_doc() {
                if alive.is_some_and(|alive| alive.is_deleted(doc_id)) {
                    continue;
                }
                let address = tantivy::DocAddress::new(ordinal as u32, doc_id);
                let document: TantivyDocument = searcher.doc(address)?;
                let first = |field| search::first_text(&document, field);
                let (Some(id), Some(collection)) = (first(self.fields.id), first(self.fields.collection)) else {
                    continue;
                };
                if collection.contains('.') {
                    continue;
                }
                if let Some(text) = first(self.fields.text_en).or_else(|| first(self.fields.text_ar)) {
                    texts.push((id, text));
                }
            }
        }
        Ok(texts)
    }

    /// How many texts each edition holds (texts with no edition are not counted).
    pub fn documents_by_edition(&self) -> Result<HashMap<String, u64>, IndexError> {
        let searcher = self.reader.searcher();
        let mut editions = std::collections::BTreeSet::new();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(self.fields.edition)?;
            let mut terms = inverted.terms().stream()?;
            while terms.advance() {
                editions.insert(String::from_utf8_lossy(terms.key()).into_owned());
            }
        }
        let mut counts = HashMap::with_capacity(editions.len());
        for edition in editions {
            let query = tantivy::query::TermQuery::new(
                Term::from_field_text(self.fields.edition, &edition),
                tantivy::schema::IndexRecordOption::Basic,
            );
            let count = searcher.search(&query, &tantivy::collector::Count)?;
            if count > 0 {
                counts.insert(edition, count as u64);
            }
        }
        Ok(counts)
    }

    /// The document stored under `id`, if it is in the index.
    pub fn get(&self, id: &str) -> Result<Option<Hit>, IndexError> {
        search::get(&self.reader.searcher(), &self.fields, id)
    }
}

/// The curators' grades a stored document carries.
fn annotations_of(fields: &Fields, document: &TantivyDocument) -> Vec<Grade> {
    search::first_text(document, fields.annotations)
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

/// A stored document with its curators' grades replaced, as of `revision`.
fn with_annotations(
    fields: &Fields,
    document: &TantivyDocument,
    annotations: &[Grade],
    revision: u64,
) -> TantivyDocument {
    let mut copy = TantivyDocument::default();
    for (field, value) in document.field_values() {
        if field != fields.annotations && field != fields.revision {
            copy.add_field_value(field, &tantivy::schema::OwnedValue::from(value));
        }
    }
    copy.add_u64(fields.revision, revision);
    copy.add_text(
        fields.annotations,
        serde_json::to_string(annotations).unwrap_or_default(),
    );
    copy
}

fn to_tantivy(fields: &Fields, document: &KnowledgeDocument, annotations: &[Grade], revision: u64) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_u64(fields.revision, revision);
    if let Some(edition) = &document.edition {
        doc.add_text(fields.edition, edition);
    }
    doc.add_text(fields.id, &document.id);
    doc.add_text(fields.source, &document.source);
    doc.add_text(fields.collection, &document.collection);
    doc.add_text(fields.lang, &document.lang);
    doc.add_text(fields.reference, &document.reference);
    let optional = [
        (fields.text_en, &document.text_en),
        (fields.text_ar, &document.text_ar),
        (fields.text_other, &document.text_other),
        (fields.narrator, &document.narrator),
        (fields.chapter, &document.chapter),
        (fields.attribution, &document.attribution),
        (fields.translit, &document.transliteration),
    ];
    for (field, value) in optional {
        if let Some(value) = value {
            doc.add_text(field, value);
        }
    }
    if let Some(searchable) = document.text_ar_search.as_ref().or(document.text_ar.as_ref()) {
        doc.add_text(fields.ar, searchable);
        // A verse is all report; a hadith's chain is not.
        let report = if document.source == "hadith" {
            isnad::split(searchable).1
        } else {
            searchable.as_str()
        };
        doc.add_text(fields.ar_report, report);
    }
    for (field, value) in [
        (fields.surah, document.surah),
        (fields.ayah, document.ayah),
        (fields.number, document.number),
    ] {
        if let Some(value) = value {
            doc.add_u64(field, value);
        }
    }
    if !document.grades.is_empty() {
        doc.add_text(
            fields.grades,
            serde_json::to_string(&document.grades).unwrap_or_default(),
        );
    }
    if !annotations.is_empty() {
        doc.add_text(
            fields.annotations,
            serde_json::to_string(annotations).unwrap_or_default(),
        );
    }
    doc
}

/// The index root: generation directories and the `CURRENT` file that names the live one.
#[derive(Debug, Clone)]
pub struct Generations {
    root: PathBuf,
}

impl Generations {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The live generation's directory, creating the first one if there is none.
    pub fn current(&self) -> Result<PathBuf, IndexError> {
        std::fs::create_dir_all(&self.root)?;
        match std::fs::read_to_string(self.root.join("CURRENT")) {
            Ok(name) if !name.trim().is_empty() => Ok(self.root.join(name.trim())),
            _ => {
                let first = self.next();
                std::fs::create_dir_all(&first)?;
                self.promote(&first)?;
                Ok(first)
            }
        }
    }

    /// The name `CURRENT` holds now (to notice another process's swap).
    pub fn current_name(&self) -> Option<String> {
        std::fs::read_to_string(self.root.join("CURRENT"))
            .ok()
            .map(|name| name.trim().to_owned())
    }

    /// A new, unused generation directory path.
    pub fn next(&self) -> PathBuf {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos())
            .unwrap_or_default();
        self.root.join(format!("gen-{stamp}"))
    }

    /// Makes `generation` the live one: write a temporary file, then rename it over `CURRENT`
    /// (atomic on POSIX), so a reader sees the old name or the new, never half of one.
    pub fn promote(&self, generation: &Path) -> Result<(), IndexError> {
        let name = generation
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temporary = self.root.join("CURRENT.tmp");
        std::fs::write(&temporary, &name)?;
        std::fs::rename(&temporary, self.root.join("CURRENT"))?;
        Ok(())
    }

    /// Removes generations other than the live one and `keep`.
    pub fn remove_stale(&self, keep: &[&Path]) -> Result<(), IndexError> {
        let current = self.current()?;
        for entry in std::fs::read_dir(&self.root)?.flatten() {
            let path = entry.path();
            let is_generation = entry.file_name().to_string_lossy().starts_with("gen-");
            if is_generation && path != current && !keep.contains(&path.as_path()) {
                std::fs::remove_dir_all(&path)?;
            }
        }
        Ok(())
    }
}
