//! Written opinion polls (phiếu lấy ý kiến): the list, the secretariat's draft form, one
//! poll's page with the signed answer, and the report; and this device's side of an answer.

mod answer;
mod i18n;
mod pages;

pub(crate) use i18n::K;
pub(crate) use pages::{OpinionPage, OpinionsPage};
