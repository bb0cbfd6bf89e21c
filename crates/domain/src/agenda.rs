//! The agenda (chương trình họp): ordered items, edited and reordered as a whole list.

use crate::meeting::{optional_text, required_text};
use crate::{AgendaItemId, DomainError};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Most items one agenda may hold.
pub const MAX_ITEMS: usize = 100;
/// Longest planned duration of one item, in minutes.
pub const MAX_PLANNED_MINUTES: i64 = 600;

/// One item as the secretariat submits it. `id` is set for an item that already exists
/// (so that its identity, and everything attached to it later, survives a reorder).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaItemInput {
    /// Existing item being kept, or `None` for a new one.
    #[serde(default)]
    pub id: Option<AgendaItemId>,
    /// What is discussed, e.g. "Tờ trình dự án Luật ...".
    pub title: String,
    /// Who presents it (a title, e.g. "Bộ trưởng Bộ Tư pháp").
    #[serde(default)]
    pub presenter: String,
    /// Planned duration in minutes.
    pub planned_minutes: i64,
}

/// An item as stored and shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaItem {
    /// Stable identity.
    pub id: AgendaItemId,
    /// 1-based position in the agenda.
    pub position: i64,
    /// What is discussed.
    pub title: String,
    /// Who presents it.
    pub presenter: String,
    /// Planned duration in minutes.
    pub planned_minutes: i64,
}

/// Checks a new full agenda against the existing items.
///
/// Every `id` must name an existing item, at most once; the current item (if the meeting
/// is running) must not be removed. Returns the cleaned items in their new order.
pub fn plan_agenda(
    existing: &[AgendaItemId],
    current: Option<AgendaItemId>,
    items: Vec<AgendaItemInput>,
) -> Result<Vec<AgendaItemInput>, DomainError> {
    if items.len() > MAX_ITEMS {
        return Err(DomainError::invalid(
            "items",
            format!("an agenda holds at most {MAX_ITEMS} items"),
        ));
    }
    let known: HashSet<_> = existing.iter().copied().collect();
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if let Some(id) = item.id {
            if !known.contains(&id) {
                return Err(DomainError::invalid(
                    "items",
                    format!("item {id} is not on this agenda"),
                ));
            }
            if !seen.insert(id) {
                return Err(DomainError::invalid(
                    "items",
                    format!("item {id} appears twice"),
                ));
            }
        }
        if !(1..=MAX_PLANNED_MINUTES).contains(&item.planned_minutes) {
            return Err(DomainError::invalid(
                "planned_minutes",
                format!("must be between 1 and {MAX_PLANNED_MINUTES}"),
            ));
        }
        out.push(AgendaItemInput {
            id: item.id,
            title: required_text("title", &item.title, 500)?,
            presenter: optional_text("presenter", &item.presenter, 200)?,
            planned_minutes: item.planned_minutes,
        });
    }
    if let Some(cur) = current
        && !seen.contains(&cur)
    {
        return Err(DomainError::invalid(
            "items",
            "the item under discussion cannot be removed",
        ));
    }
    Ok(out)
}

/// The item after `current` (or the first one when none is current).
pub fn next_item(items: &[AgendaItem], current: Option<AgendaItemId>) -> Option<AgendaItemId> {
    match current {
        None => items.first().map(|i| i.id),
        Some(cur) => {
            let pos = items.iter().position(|i| i.id == cur)?;
            items.get(pos + 1).map(|i| i.id)
        }
    }
}

/// The item before `current`.
pub fn previous_item(items: &[AgendaItem], current: Option<AgendaItemId>) -> Option<AgendaItemId> {
    let pos = items.iter().position(|i| Some(i.id) == current)?;
    pos.checked_sub(1).and_then(|p| items.get(p)).map(|i| i.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(id: Option<i64>, title: &str) -> AgendaItemInput {
        AgendaItemInput {
            id: id.map(AgendaItemId),
            title: title.into(),
            presenter: String::new(),
            planned_minutes: 30,
        }
    }

    fn item(id: i64, position: i64) -> AgendaItem {
        AgendaItem {
            id: AgendaItemId(id),
            position,
            title: format!("item {id}"),
            presenter: String::new(),
            planned_minutes: 10,
        }
    }

    #[test]
    fn reorder_keeps_identities_and_adds_new_items() {
        let existing = [AgendaItemId(1), AgendaItemId(2)];
        let plan = plan_agenda(
            &existing,
            None,
            vec![input(Some(2), "B"), input(None, "New"), input(Some(1), "A")],
        )
        .unwrap();
        let ids: Vec<_> = plan.iter().map(|i| i.id).collect();
        assert_eq!(
            ids,
            vec![Some(AgendaItemId(2)), None, Some(AgendaItemId(1))]
        );
    }

    #[test]
    fn unknown_duplicate_and_current_removal_are_refused() {
        let existing = [AgendaItemId(1), AgendaItemId(2)];
        assert!(plan_agenda(&existing, None, vec![input(Some(9), "x")]).is_err());
        assert!(
            plan_agenda(
                &existing,
                None,
                vec![input(Some(1), "x"), input(Some(1), "y")]
            )
            .is_err()
        );
        assert!(plan_agenda(&existing, Some(AgendaItemId(2)), vec![input(Some(1), "x")]).is_err());
        assert!(plan_agenda(&existing, Some(AgendaItemId(2)), vec![input(Some(2), "x")]).is_ok());
    }

    #[test]
    fn item_fields_are_checked() {
        assert!(plan_agenda(&[], None, vec![input(None, "  ")]).is_err());
        let mut too_long = input(None, "x");
        too_long.planned_minutes = MAX_PLANNED_MINUTES + 1;
        assert!(plan_agenda(&[], None, vec![too_long]).is_err());
        let mut zero = input(None, "x");
        zero.planned_minutes = 0;
        assert!(plan_agenda(&[], None, vec![zero]).is_err());
        let many = (0..=MAX_ITEMS).map(|_| input(None, "x")).collect();
        assert!(plan_agenda(&[], None, many).is_err());
    }

    #[test]
    fn next_and_previous_walk_the_agenda() {
        let items = [item(5, 1), item(3, 2), item(9, 3)];
        assert_eq!(next_item(&items, None), Some(AgendaItemId(5)));
        assert_eq!(
            next_item(&items, Some(AgendaItemId(5))),
            Some(AgendaItemId(3))
        );
        assert_eq!(next_item(&items, Some(AgendaItemId(9))), None);
        assert_eq!(
            previous_item(&items, Some(AgendaItemId(3))),
            Some(AgendaItemId(5))
        );
        assert_eq!(previous_item(&items, Some(AgendaItemId(5))), None);
        assert_eq!(previous_item(&items, None), None);
    }
}
