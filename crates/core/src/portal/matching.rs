//! Which person a portal's patient is. A portal sign-in names its patient only by the hospital's own id (the token
//! response's `patient`); Tessera reads that Patient resource and compares its name and birth date with the people
//! it knows — as hospitals match a ticket's patient. Deliberately strict: the birth date must be the same, the
//! first given name the same and every part of the family name present (so "Harold Washington" is "Harold James
//! Washington", but "Harry Washington" born the same day is not). A near miss is a new person, added only after the
//! user confirms.

use crate::ticket::NamedPerson;
use crate::view::PersonView;

/// Who the portal's patient is among the people Tessera knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// Exactly this person (their id).
    Person(String),
    /// Nobody known: a new person, once the user confirms.
    Nobody,
    /// More than one person fits (two people with the same name and birth date): Tessera does not guess.
    Several,
}

/// The words of a name, lowercased, split at anything that is not a letter or digit ("Washington-Clarke" is
/// "washington", "clarke").
fn words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Whether `patient` (a Patient resource's first name and birth date) is `person`.
pub fn is_person(patient: &NamedPerson, person: &PersonView) -> bool {
    let (Some(born), Some(birth_date)) = (patient.birth_date.as_deref(), person.birth_date.as_deref()) else {
        return false;
    };
    let known = words(&person.name);
    let (given, family) = (words(&patient.given), words(&patient.family));
    born.get(..10) == birth_date.get(..10)
        && born.len() >= 10
        && !family.is_empty()
        && given.first().is_some_and(|first| known.first() == Some(first))
        && family.iter().all(|part| known.contains(part))
}

/// Who `patient` is among `people`.
pub fn match_person(patient: &NamedPerson, people: &[PersonView]) -> Match {
    let mut fits = people.iter().filter(|person| is_person(patient, person));
    match (fits.next(), fits.next()) {
        (Some(person), None) => Match::Person(person.id.clone()),
        (None, _) => Match::Nobody,
        (Some(_), Some(_)) => Match::Several,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: &str, name: &str, born: Option<&str>) -> PersonView {
        PersonView {
            id: id.into(),
            name: name.into(),
            birth_date: born.map(String::from),
            relationship: crate::view::Relationship::Authority("HPOWATT".into()),
            born: None,
            authority: None,
            hospitals: 0,
            connected: 0,
            access_ends: None,
        }
    }

    fn patient(given: &str, family: &str, born: Option<&str>) -> NamedPerson {
        NamedPerson { given: given.into(), family: family.into(), birth_date: born.map(String::from) }
    }

    #[test]
    fn the_same_name_and_birth_date_is_the_same_person_and_nothing_else_is() {
        let people = [
            person("p2", "Harold James Washington", Some("1946-09-14")),
            person("p1", "Margaret Washington-Clarke", Some("1973-02-02")),
        ];
        let harold = patient("Harold", "Washington", Some("1946-09-14"));
        assert_eq!(match_person(&harold, &people), Match::Person("p2".into()));
        assert_eq!(
            match_person(&patient("HAROLD J.", "washington", Some("1946-09-14")), &people),
            Match::Person("p2".into())
        );
        assert_eq!(
            match_person(&patient("Margaret", "Washington Clarke", Some("1973-02-02")), &people),
            Match::Person("p1".into())
        );
        assert_eq!(
            match_person(&patient("Margaret", "Washington-Clarke", Some("1973-02-02T00:00:00Z")), &people),
            Match::Person("p1".into())
        );
        for stranger in [
            patient("Harold", "Washington", Some("1946-09-15")),
            patient("Harold", "Washington", None),
            patient("Harry", "Washington", Some("1946-09-14")),
            patient("Harold", "Wash", Some("1946-09-14")),
            patient("Harold", "", Some("1946-09-14")),
            patient("", "Washington", Some("1946-09-14")),
            patient("Harold", "Washington", Some("1946")),
        ] {
            assert_eq!(match_person(&stranger, &people), Match::Nobody, "{stranger:?}");
        }
        assert_eq!(match_person(&harold, &[person("p9", "Harold Washington", None)]), Match::Nobody);
        let twins = [people[0].clone(), person("p3", "Harold Washington", Some("1946-09-14"))];
        assert_eq!(match_person(&harold, &twins), Match::Several);
    }
}
