//! The chair's console form for a new vote on the current item: the question, the ballot
//! form, and the rule, started from a preset and editable field by field.

use super::i18n::{K, base_key};
use crate::platform::{Lang, command, tx, ui};
use ecabinet_domain::quorum::Fraction;
use ecabinet_domain::vote::{Base, DecisionRule, Threshold, TieBreak};
use ecabinet_protocol::MeetingSnapshot;
use ecabinet_protocol::poll::RulePreset;
use leptos::prelude::*;
use serde_json::json;

/// One labelled `<select>` over `options`; a single (non-generic) function for every
/// choice of the form, because each `view!` instantiation costs wasm size.
fn choice(
    lang: RwSignal<Lang>,
    label: K,
    testid: &'static str,
    options: Vec<K>,
    current: Signal<Option<usize>>,
    pick: Callback<usize>,
) -> AnyView {
    view! {
        <label class="grow">{tx(lang, label)}
            <select data-testid=testid on:change=move |ev| {
                if let Ok(i) = event_target_value(&ev).parse::<usize>() {
                    pick.run(i);
                }
            }>
                {options.into_iter().enumerate().map(|(i, k)| view! {
                    <option value=i.to_string() selected=move || current.get() == Some(i)>{tx(lang, k)}</option>
                }).collect_view()}
            </select>
        </label>
    }
    .into_any()
}

const KINDS: [(&str, K); 4] = [
    ("yes_no", K::FormYesNo),
    ("single", K::FormSingle),
    ("multiple", K::FormMultiple),
    ("candidates", K::FormCandidates),
];
const PRESETS: [(RulePreset, K); 4] = [
    (RulePreset::Government, K::PresetGovernment),
    (RulePreset::NationalAssembly, K::PresetNationalAssembly),
    (RulePreset::PeoplesCouncil, K::PresetPeoplesCouncil),
    (RulePreset::CompanyBoard, K::PresetCompanyBoard),
];
const BASES: [Base; 4] = [
    Base::AllMembers,
    Base::PresentMembers,
    Base::VotesCast,
    Base::VotesCastWithAbstentions,
];
const THRESHOLDS: [(Threshold, K); 3] = [
    (Threshold::MORE_THAN_HALF, K::ThresholdHalf),
    (Threshold::TWO_THIRDS, K::ThresholdTwoThirds),
    (Threshold::THREE_QUARTERS, K::ThresholdThreeQuarters),
];
const QUORUMS: [(Fraction, K); 2] = [
    (Fraction::TWO_THIRDS, K::QuorumTwoThirds),
    (Fraction { num: 1, den: 2 }, K::QuorumHalf),
];
const TIES: [(TieBreak, K); 2] = [
    (TieBreak::ChairSide, K::TieChair),
    (TieBreak::Fails, K::TieFails),
];

/// The console's form for a new vote on the current item: the question, the ballot form,
/// and the rule, started from a preset and editable field by field.
#[component]
pub(super) fn NewVote(
    snap: Memo<Option<MeetingSnapshot>>,
    err: RwSignal<Option<String>>,
) -> impl IntoView {
    let lang = ui().lang;
    let question = RwSignal::new(String::new());
    let kind = RwSignal::new(0usize);
    let options = RwSignal::new(String::new());
    let max = RwSignal::new("1".to_owned());
    let rule = RwSignal::new(DecisionRule::GOVERNMENT);
    let preset = RwSignal::new(0usize);
    let duration = RwSignal::new(String::new());
    let create = move |_| {
        let Some((meeting, item)) =
            snap.with_untracked(|s| s.as_ref().map(|m| (m.info.id.0, m.current_item)))
        else {
            return;
        };
        let seconds = duration.get_untracked().trim().parse::<u32>().ok();
        let k = KINDS[kind.get_untracked().min(KINDS.len() - 1)].0;
        // The server validates the form; the tablet only shapes what was typed.
        let form = (k != "yes_no").then(|| {
            let opts: Vec<String> = options
                .get_untracked()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect();
            let most = if k == "single" {
                1
            } else {
                max.get_untracked().trim().parse::<u16>().unwrap_or(0)
            };
            json!({"kind": k, "options": opts, "max_choices": most})
        });
        let body = json!({
            "question": question.get_untracked(),
            "item_id": item,
            "form": form,
            "rule": rule.get_untracked(),
            "duration_seconds": seconds,
        });
        command(
            err,
            "POST",
            format!("/api/meetings/{meeting}/polls"),
            Some(body),
            move |_| {
                question.set(String::new());
                options.set(String::new());
                duration.set(String::new());
            },
        );
    };
    let fields = [
        choice(
            lang,
            K::Rule,
            "vote-preset",
            PRESETS.iter().map(|p| p.1).collect(),
            Signal::derive(move || Some(preset.get())),
            Callback::new(move |i: usize| {
                if let Some((p, _)) = PRESETS.get(i) {
                    preset.set(i);
                    rule.set(p.rule());
                }
            }),
        ),
        choice(
            lang,
            K::BaseLabel,
            "vote-base",
            BASES.iter().map(|b| base_key(*b)).collect(),
            Signal::derive(move || BASES.iter().position(|b| *b == rule.get().base)),
            Callback::new(move |i: usize| {
                if let Some(b) = BASES.get(i) {
                    rule.update(|r| r.base = *b);
                }
            }),
        ),
        choice(
            lang,
            K::ThresholdLabel,
            "vote-threshold",
            THRESHOLDS.iter().map(|t| t.1).collect(),
            Signal::derive(move || THRESHOLDS.iter().position(|t| t.0 == rule.get().threshold)),
            Callback::new(move |i: usize| {
                if let Some((th, _)) = THRESHOLDS.get(i) {
                    rule.update(|r| r.threshold = *th);
                }
            }),
        ),
        choice(
            lang,
            K::QuorumLabel,
            "vote-quorum",
            QUORUMS.iter().map(|q| q.1).collect(),
            Signal::derive(move || QUORUMS.iter().position(|q| q.0 == rule.get().quorum)),
            Callback::new(move |i: usize| {
                if let Some((q, _)) = QUORUMS.get(i) {
                    rule.update(|r| r.quorum = *q);
                }
            }),
        ),
        choice(
            lang,
            K::TieLabel,
            "vote-tie",
            TIES.iter().map(|t| t.1).collect(),
            Signal::derive(move || TIES.iter().position(|t| t.0 == rule.get().tie_break)),
            Callback::new(move |i: usize| {
                if let Some((tb, _)) = TIES.get(i) {
                    rule.update(|r| r.tie_break = *tb);
                }
            }),
        ),
    ];
    let form_kind = choice(
        lang,
        K::FormKindLabel,
        "vote-form",
        KINDS.iter().map(|k| k.1).collect(),
        Signal::derive(move || Some(kind.get())),
        Callback::new(move |i: usize| kind.set(i)),
    );
    view! {
        <div class="stack new-vote">
            <label>{tx(lang, K::Question)}
                <input data-testid="vote-question" prop:value=move || question.get() on:input=move |ev| question.set(event_target_value(&ev))/>
            </label>
            <div class="row wrap">
                {form_kind}
                <label class="grow">{tx(lang, K::DurationSeconds)}
                    <input data-testid="vote-duration" inputmode="numeric" prop:value=move || duration.get() on:input=move |ev| duration.set(event_target_value(&ev))/>
                </label>
            </div>
            <Show when=move || kind.get() != 0>
                <div class="row wrap">
                    <label class="grow">{tx(lang, K::OptionsPerLine)}
                        <textarea data-testid="vote-options" rows="4" prop:value=move || options.get() on:input=move |ev| options.set(event_target_value(&ev))></textarea>
                    </label>
                    <Show when=move || 1 < kind.get()>
                        <label>{tx(lang, K::MaxChoices)}
                            <input data-testid="vote-max" inputmode="numeric" prop:value=move || max.get() on:input=move |ev| max.set(event_target_value(&ev))/>
                        </label>
                    </Show>
                </div>
            </Show>
            <div class="row wrap">{fields.into_iter().collect_view()}</div>
            <label class="check">
                <input type="checkbox" data-testid="vote-changes" prop:checked=move || rule.get().changes_allowed on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    rule.update(|r| r.changes_allowed = on);
                }/>
                <span>{tx(lang, K::ChangesAllowed)}</span>
            </label>
            <button class="primary" data-testid="create-vote" on:click=create>{tx(lang, K::CreateVote)}</button>
        </div>
    }
    .into_any()
}
