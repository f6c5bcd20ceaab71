//! The storage conformance suite, once per backend.

mod embedded {
    servicedesk_shared::store_conformance_tests!(crate::common::embedded);
}

mod dynamodb {
    servicedesk_shared::store_conformance_tests!(crate::common::dynamodb);
}
