//! TAXII status resources on both backends: each organisation reads only
//! its own, and statuses past the retention are forgotten while newer
//! ones stay.

use c5hub_test_support::locations;

use c5hub_store::{Location, Options, Store, TaxiiStatus, WarningList};
use chrono::{Duration, Utc};

fn open(loc: &Location) -> Store {
    Store::open(
        loc,
        Options {
            warning_list: WarningList::empty(),
        },
    )
    .unwrap_or_else(|e| panic!("{loc}: {e}"))
}

fn status(id: &str, org: &str, days_ago: i64) -> TaxiiStatus {
    TaxiiStatus {
        id: id.to_owned(),
        org: org.to_owned(),
        at: Utc::now() - Duration::days(days_ago),
        status: "complete".to_owned(),
        total: 1,
        success_count: 1,
        failure_count: 0,
        pending_count: 0,
        successes: "[]".to_owned(),
        failures: "[]".to_owned(),
        pendings: "[]".to_owned(),
    }
}

#[test]
fn statuses_are_their_owners_and_expire_after_the_retention() {
    for loc in locations("taxii-status") {
        let mut s = open(&loc);
        let mut st = s.taxii_statuses();
        st.put(&status("old", "bank", 10)).expect("put");
        st.put(&status("week", "telco", 6)).expect("put");
        st.put(&status("new", "bank", 0)).expect("put");
        assert!(st.get("old", "telco").expect("get").is_none(), "{loc}");
        assert_eq!(st.get("old", "bank").expect("get").expect("old").id, "old");

        assert_eq!(st.expire(7).expect("expire"), 1, "{loc}");
        assert!(st.get("old", "bank").expect("get").is_none(), "{loc}");
        assert!(st.get("week", "telco").expect("get").is_some(), "{loc}");
        assert!(st.get("new", "bank").expect("get").is_some(), "{loc}");
        assert_eq!(
            st.expire(7).expect("expire"),
            0,
            "{loc}: nothing left to forget"
        );
    }
}
