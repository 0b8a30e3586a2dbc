//! Rules of the "two new" organizations register.
use super::divisions::Divisions;
use super::{RuleViolation, uscc};

pub use entity::enums::{OperatingStatus, OrganizationCategory, OrganizationKind};

/// The kind a category belongs to (DESIGN §5: a category must belong to the kind).
pub fn kind_of(category: OrganizationCategory) -> OrganizationKind {
    match category {
        OrganizationCategory::SocialGroup | OrganizationCategory::PrivateNonEnterpriseUnit => {
            OrganizationKind::NewSocial
        }
        _ => OrganizationKind::NewEconomic,
    }
}

/// The USCC registration authority that registers organizations of a kind: 9 for market
/// regulation (enterprises, individual businesses, farmer cooperatives), 5 for civil affairs
/// (social groups, private non-enterprise units, foundations).
fn uscc_authority(kind: OrganizationKind) -> char {
    match kind {
        OrganizationKind::NewEconomic => '9',
        OrganizationKind::NewSocial => '5',
    }
}

/// Checks that the category belongs to the kind, that the USCC is valid and its type prefix fits
/// the kind (GB 32100-2015), and that the region code is a county or township in the division
/// table (GB/T 2260; DESIGN §5, organizations).
pub fn check_identity(
    divisions: &Divisions,
    kind: OrganizationKind,
    category: OrganizationCategory,
    uscc_code: &str,
    region_code: &str,
) -> Vec<RuleViolation> {
    let mut violations = Vec::new();
    if kind_of(category) != kind {
        violations.push(RuleViolation::new(
            "category",
            "category_kind",
            format!(
                "category {category} belongs to kind {}, not {kind}",
                kind_of(category)
            ),
        ));
    }
    match uscc::validate(uscc_code) {
        Err(e) => violations.push(RuleViolation::new("uscc", e.code(), e.to_string())),
        Ok(()) => {
            let prefix = uscc::type_prefix(uscc_code);
            let authority = uscc_authority(kind);
            if !prefix.starts_with(authority) {
                violations.push(RuleViolation::new(
                    "uscc",
                    "type_prefix",
                    format!(
                        "type prefix {prefix} does not fit kind {kind}: expected a code starting with {authority}"
                    ),
                ));
            }
        }
    }
    violations.extend(divisions.check_organization_region(region_code));
    violations
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrganizationCategory::*;
    use OrganizationKind::*;

    fn check_identity(
        kind: OrganizationKind,
        category: OrganizationCategory,
        uscc: &str,
        region: &str,
    ) -> Vec<RuleViolation> {
        super::check_identity(&Divisions::bundled(), kind, category, uscc, region)
    }

    #[test]
    fn a_consistent_enterprise_passes() {
        assert!(
            check_identity(
                NewEconomic,
                PrivateEnterprise,
                "91350100M000100Y43",
                "350102"
            )
            .is_empty()
        );
    }

    #[test]
    fn category_must_belong_to_kind() {
        let v = check_identity(NewSocial, PrivateEnterprise, "91350100M000100Y43", "350102");
        assert!(
            v.iter()
                .any(|v| v.field == "category" && v.code == "category_kind"),
            "{v:?}"
        );
    }

    #[test]
    fn uscc_type_prefix_must_fit_kind() {
        let v = check_identity(NewSocial, SocialGroup, "91350100M000100Y43", "350102");
        assert_eq!(v.len(), 1);
        assert_eq!((v[0].field, v[0].code), ("uscc", "type_prefix"));
    }

    #[test]
    fn every_broken_rule_is_reported_at_once() {
        let v = check_identity(NewSocial, PrivateEnterprise, "91350100M000100Y44", "35010");
        let fields: Vec<_> = v.iter().map(|v| (v.field, v.code)).collect();
        assert_eq!(
            fields,
            [
                ("category", "category_kind"),
                ("uscc", "check_digit"),
                ("region_code", "format")
            ]
        );
    }
}
