//! The administrative division table (GB/T 2260 codes, with township codes), held in memory.
//!
//! It is reference data: shipped with the binary (`data/divisions/divisions.csv`) and replaced by
//! shipping a new file, or overridden by `LIANGXIN_DIVISIONS_FILE`. Format: `code,name,level,
//! parent_code` with one header row.
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::RuleViolation;
use super::region::{RegionCodeError, prefix_of, validate_full_code};

/// The table shipped in the binary.
pub const BUNDLED_CSV: &str = include_str!("../../data/divisions/divisions.csv");

/// The level of an administrative division (GB/T 2260; townships by their 9-digit codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    City,
    County,
    /// A township, town or street (乡、镇、街道): 9-digit statistical code.
    Township,
}

/// One administrative division of the table (GB/T 2260; DESIGN §5 `region_code`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Division {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub parent_code: Option<String>,
}

impl std::fmt::Debug for Divisions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Divisions({} divisions, version {})",
            self.divisions.len(),
            self.version
        )
    }
}

/// The division table (GB/T 2260 codes and township codes, DESIGN §5), indexed by code.
pub struct Divisions {
    /// Sorted by code.
    divisions: Vec<Division>,
    by_code: HashMap<String, usize>,
    /// Children of each code, by code; the provinces under "".
    children: HashMap<String, Vec<usize>>,
    /// Changes whenever the table does; clients cache lookups by it.
    version: String,
}

/// Why a region code given as a filter or scope cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegionLookupError {
    /// Not digits of a region-code length.
    Format,
    /// Well-formed, but no such division.
    Unknown,
}

impl Divisions {
    /// Parses and checks a table: unique codes of 6 or 9 digits, known levels, and every parent
    /// present. The error names the line.
    pub fn parse(csv_text: &str) -> Result<Self, String> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(csv_text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| format!("header: {e}"))?
            .clone();
        if headers.iter().collect::<Vec<_>>() != ["code", "name", "level", "parent_code"] {
            return Err("the header must be code,name,level,parent_code".into());
        }
        let mut divisions = Vec::new();
        for (index, record) in reader.deserialize::<Division>().enumerate() {
            let line = index + 2;
            let mut division = record.map_err(|e| format!("line {line}: {e}"))?;
            division.parent_code = division.parent_code.filter(|p| !p.is_empty());
            validate_full_code(&division.code).map_err(|e| format!("line {line}: code {}", e))?;
            divisions.push(division);
        }
        divisions.sort_by(|a, b| a.code.cmp(&b.code));
        let mut by_code = HashMap::with_capacity(divisions.len());
        for (i, d) in divisions.iter().enumerate() {
            if by_code.insert(d.code.clone(), i).is_some() {
                return Err(format!("code {} appears twice", d.code));
            }
        }
        let mut children: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, d) in divisions.iter().enumerate() {
            let parent = d.parent_code.clone().unwrap_or_default();
            if !parent.is_empty() && !by_code.contains_key(&parent) {
                return Err(format!("code {} names an unknown parent {parent}", d.code));
            }
            children.entry(parent).or_default().push(i);
        }
        let version = format!("{:x}", Sha256::digest(csv_text.as_bytes()))[..16].to_owned();
        Ok(Divisions {
            divisions,
            by_code,
            children,
            version,
        })
    }

    /// The bundled table, parsed once per process and shared.
    pub fn bundled() -> Arc<Self> {
        static BUNDLED: OnceLock<Arc<Divisions>> = OnceLock::new();
        BUNDLED
            .get_or_init(|| {
                Arc::new(Self::parse(BUNDLED_CSV).expect("the bundled division table is valid"))
            })
            .clone()
    }

    /// A hash of the table, for ETags of region responses.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The number of divisions.
    pub fn len(&self) -> usize {
        self.divisions.len()
    }

    /// Whether the table has no divisions.
    pub fn is_empty(&self) -> bool {
        self.divisions.is_empty()
    }

    /// The division with this full code.
    pub fn get(&self, code: &str) -> Option<&Division> {
        self.by_code.get(code).map(|&i| &self.divisions[i])
    }

    /// The divisions directly under `parent` (the provinces for `None`), by code.
    pub fn children(&self, parent: Option<&str>) -> Vec<&Division> {
        self.children
            .get(parent.unwrap_or(""))
            .map(|list| list.iter().map(|&i| &self.divisions[i]).collect())
            .unwrap_or_default()
    }

    /// Whether divisions lie below this one.
    pub fn has_children(&self, code: &str) -> bool {
        self.children.get(code).is_some_and(|c| !c.is_empty())
    }

    /// The division and those above it, the province first.
    pub fn lineage(&self, code: &str) -> Vec<&Division> {
        let mut chain = Vec::new();
        let mut next = self.get(code);
        while let Some(d) = next {
            chain.push(d);
            next = d.parent_code.as_deref().and_then(|p| self.get(p));
        }
        chain.reverse();
        chain
    }

    /// `北京市 / 市辖区 / 朝阳区`.
    pub fn full_name(&self, code: &str) -> Option<String> {
        let lineage = self.lineage(code);
        (!lineage.is_empty()).then(|| {
            lineage
                .iter()
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>()
                .join(" / ")
        })
    }

    /// Divisions whose name contains `q`, within `within` (a region prefix) when given; higher
    /// levels first, then by code; at most `limit`.
    pub fn search(&self, q: &str, within: Option<&str>, limit: usize) -> Vec<&Division> {
        let mut found: Vec<&Division> = self
            .divisions
            .iter()
            .filter(|d| within.is_none_or(|prefix| d.code.starts_with(prefix)))
            .filter(|d| d.name.contains(q))
            .collect();
        found.sort_by(|a, b| (a.level as u8, &a.code).cmp(&(b.level as u8, &b.code)));
        found.truncate(limit);
        found
    }

    /// The division a filter or scope names, in any accepted form (`11`, `110000`, `1101`,
    /// `110100`, `110105`, `110105001`).
    pub fn resolve(&self, code: &str) -> Result<&Division, RegionLookupError> {
        let prefix = prefix_of(code).ok_or(RegionLookupError::Format)?;
        let full = match prefix.len() {
            2 | 4 => format!("{prefix:0<6}"),
            _ => code.to_owned(),
        };
        self.get(&full).ok_or(RegionLookupError::Unknown)
    }

    /// The prefix that selects everything in the region a filter or scope names.
    pub fn region_prefix(&self, code: &str) -> Result<String, RegionLookupError> {
        let division = self.resolve(code)?;
        Ok(prefix_of(&division.code)
            .unwrap_or(&division.code)
            .to_owned())
    }

    /// An organization is registered at a county (6 digits) or township (9 digits) that exists
    /// (GB/T 2260; DESIGN §5: `region_code` must exist in the division table).
    pub fn check_organization_region(&self, code: &str) -> Option<RuleViolation> {
        if let Err(e) = validate_full_code(code) {
            return Some(RuleViolation::new("region_code", "format", e.to_string()));
        }
        match self.get(code) {
            None => Some(RuleViolation::new(
                "region_code",
                "unknown_region",
                format!("{code} is not in the administrative division table"),
            )),
            Some(d) if matches!(d.level, Level::County | Level::Township) => None,
            Some(d) => Some(RuleViolation::new(
                "region_code",
                "region_level",
                format!(
                    "{code} is a {} ({}); register an organization at a county or township code",
                    match d.level {
                        Level::Province => "province",
                        _ => "city",
                    },
                    d.name
                ),
            )),
        }
    }
}

impl From<RegionCodeError> for RegionLookupError {
    fn from(_: RegionCodeError) -> Self {
        RegionLookupError::Format
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "code,name,level,parent_code\n\
        110000,北京市,province,\n\
        110100,市辖区,city,110000\n\
        110105,朝阳区,county,110100\n\
        110105001,建外街道,township,110105\n\
        440000,广东省,province,\n\
        441900,东莞市,city,440000\n\
        441900003,东城街道,township,441900\n";

    #[test]
    fn lineage_and_full_names() {
        let table = Divisions::parse(SMALL).unwrap();
        assert_eq!(
            table.full_name("110105").as_deref(),
            Some("北京市 / 市辖区 / 朝阳区")
        );
        assert_eq!(
            table.full_name("441900003").as_deref(),
            Some("广东省 / 东莞市 / 东城街道")
        );
        assert_eq!(table.children(None).len(), 2);
        assert!(table.has_children("441900"));
        assert!(!table.has_children("441900003"));
    }

    #[test]
    fn every_prefix_form_resolves() {
        let table = Divisions::parse(SMALL).unwrap();
        for (code, prefix) in [
            ("11", "11"),
            ("110000", "11"),
            ("1101", "1101"),
            ("110100", "1101"),
            ("110105", "110105"),
            ("4419", "4419"),
        ] {
            assert_eq!(table.region_prefix(code).as_deref(), Ok(prefix), "{code}");
        }
        assert_eq!(
            table.region_prefix("119999"),
            Err(RegionLookupError::Unknown)
        );
        assert_eq!(table.region_prefix("12"), Err(RegionLookupError::Unknown));
        assert_eq!(table.region_prefix("1101x"), Err(RegionLookupError::Format));
    }

    #[test]
    fn organizations_need_a_known_county_or_township() {
        let table = Divisions::parse(SMALL).unwrap();
        assert_eq!(table.check_organization_region("110105"), None);
        assert_eq!(table.check_organization_region("441900003"), None);
        assert_eq!(
            table.check_organization_region("119999").unwrap().code,
            "unknown_region"
        );
        assert_eq!(
            table.check_organization_region("441900").unwrap().code,
            "region_level"
        );
        assert_eq!(
            table.check_organization_region("11010").unwrap().code,
            "format"
        );
    }

    #[test]
    fn broken_tables_are_refused_with_the_place() {
        assert!(
            Divisions::parse("code,name\n")
                .unwrap_err()
                .contains("header")
        );
        let orphan = "code,name,level,parent_code\n110105,朝阳区,county,110100\n";
        assert!(
            Divisions::parse(orphan)
                .unwrap_err()
                .contains("unknown parent")
        );
        let bad_level = "code,name,level,parent_code\n110000,北京市,capital,\n";
        assert!(Divisions::parse(bad_level).unwrap_err().contains("line 2"));
    }

    #[test]
    fn the_bundled_table_loads() {
        let table = Divisions::bundled();
        assert_eq!(table.len(), 44_700);
        assert_eq!(table.children(None).len(), 31);
        for city in ["441900", "442000", "460400"] {
            let children = table.children(Some(city));
            assert!(
                !children.is_empty() && children.iter().all(|d| d.level == Level::Township),
                "{city}"
            );
        }
    }
}
