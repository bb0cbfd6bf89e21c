//! Votes in a meeting. Members tap a choice, confirm, enter their PIN; the tablet signs
//! and checks the receipt (`tablet`). Everyone sees how many have voted, live, and the
//! result as a chart once closed; the chair's console prepares, opens and closes votes
//! and sees who has not voted. Each poll is its own component keyed by id, so a ballot
//! being filled in survives the progress events of everyone else's.

use crate::devices::device_error;
use crate::i18n::{K, Lang, t};
use crate::tablet::browser;
use crate::{command, tx, ui};
use ecabinet_domain::poll::{BallotForm, FormKind, PollStatus};
use ecabinet_domain::quorum::Fraction;
use ecabinet_domain::vote::{Base, DecisionRule, Outcome, Threshold, TieBreak};
use ecabinet_domain::{ParticipantRole, UserId};
use ecabinet_protocol::MeetingSnapshot;
use ecabinet_protocol::poll::{Pending, PollSummary, Receipt, RulePreset};
use leptos::prelude::*;
use serde_json::json;

/// An outcome in words.
pub(crate) fn outcome(lang: Lang, o: Outcome) -> &'static str {
    t(
        lang,
        match o {
            Outcome::Passed => K::Passed,
            Outcome::Failed => K::Failed,
            Outcome::PassedByTieBreak => K::PassedByTieBreak,
            Outcome::FailedByTieBreak => K::FailedByTieBreak,
            Outcome::NoQuorum => K::NoQuorum,
        },
    )
}

/// Option `i` as shown: the fixed yes/no labels are translated, custom ones are data.
pub(crate) fn option_label(lang: Lang, form: &BallotForm, i: usize) -> String {
    if form.kind == FormKind::YesNo {
        let k = [K::OptFor, K::OptAgainst, K::OptAbstain];
        if let Some(k) = k.get(i) {
            return t(lang, *k).to_owned();
        }
    }
    form.options.get(i).cloned().unwrap_or_default()
}

fn poll_status(lang: Lang, s: PollStatus) -> &'static str {
    t(
        lang,
        match s {
            PollStatus::Draft => K::PollDraft,
            PollStatus::Open => K::PollOpen,
            PollStatus::Closed => K::PollClosed,
        },
    )
}

/// Where a member's ballot stands on this tablet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Choose,
    Pin,
    Sending,
    Done,
}

/// The votes block of a meeting page (`console`: the chair's controls instead of a ballot).
#[component]
pub(crate) fn Votes(
    snap: Memo<Option<MeetingSnapshot>>,
    console: bool,
    err: RwSignal<Option<String>>,
) -> impl IntoView {
    let ui = ui();
    let lang = ui.lang;
    let my_id = ui.me.as_ref().map(|m| m.id);
    let ids = Memo::new(move |_| {
        snap.with(|s| {
            s.as_ref()
                .map(|m| m.polls.iter().rev().map(|p| p.id).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    });
    // Chair and members vote; invitees and the secretariat never do.
    let voter = Memo::new(move |_| {
        snap.with(|s| {
            s.as_ref()
                .zip(my_id)
                .and_then(|(m, me)| m.participant(me).map(|p| p.role))
                .is_some_and(|r| matches!(r, ParticipantRole::Chair | ParticipantRole::Member))
        })
    });
    let shown = move || console || !ids.with(Vec::is_empty);
    view! {
        <Show when=shown>
            <section class="card" data-testid="votes">
                <h2>{tx(lang, K::Votes)}</h2>
                {console.then(|| view! { <NewVote snap err/> })}
                <For
                    each=move || ids.get()
                    key=|id| *id
                    children=move |id| view! { <PollCard snap id console voter my_id err/> }
                />
            </section>
        </Show>
    }
    // Erased: the meeting pages around it would otherwise nest past the compiler's limit.
    .into_any()
}

/// The rule in one line, as members see it when the vote opens.
pub(crate) fn rule_line(lang: Lang, r: &DecisionRule) -> String {
    let threshold = match (r.threshold.num, r.threshold.den, r.threshold.strict) {
        (1, 2, true) => t(lang, K::ThresholdHalf).to_owned(),
        (2, 3, false) => t(lang, K::ThresholdTwoThirds).to_owned(),
        (3, 4, false) => t(lang, K::ThresholdThreeQuarters).to_owned(),
        (n, d, strict) => format!("{}{n}/{d}", if strict { "> " } else { "≥ " }),
    };
    let base = t(lang, base_key(r.base));
    let tie = t(
        lang,
        match r.tie_break {
            TieBreak::ChairSide => K::TieChair,
            TieBreak::Fails => K::TieFails,
        },
    );
    format!(
        "{}: {threshold} {base} · {} {}/{} · {}: {tie}",
        t(lang, K::RuleLine),
        t(lang, K::QuorumLabel),
        r.quorum.num,
        r.quorum.den,
        t(lang, K::TieLabel),
    )
}

fn base_key(b: Base) -> K {
    match b {
        Base::AllMembers => K::BaseAll,
        Base::PresentMembers => K::BasePresent,
        Base::VotesCast => K::BaseCast,
        Base::VotesCastWithAbstentions => K::BaseCastAbstain,
    }
}

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
fn NewVote(snap: Memo<Option<MeetingSnapshot>>, err: RwSignal<Option<String>>) -> impl IntoView {
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

#[component]
fn PollCard(
    snap: Memo<Option<MeetingSnapshot>>,
    id: i64,
    console: bool,
    voter: Memo<bool>,
    my_id: Option<UserId>,
    err: RwSignal<Option<String>>,
) -> impl IntoView {
    let lang = ui().lang;
    let poll = Memo::new(move |_| {
        snap.with(|s| {
            s.as_ref()
                .and_then(|m| m.polls.iter().find(|p| p.id == id).cloned())
        })
    });
    let status = Memo::new(move |_| poll.with(|p| p.as_ref().map(|p| p.status)));
    let form = Memo::new(move |_| poll.with(|p| p.as_ref().map(|p| p.form.clone())));
    let changes =
        Memo::new(move |_| poll.with(|p| p.as_ref().is_some_and(|p| p.rule.changes_allowed)));
    let chosen = RwSignal::new(Vec::<u16>::new());
    let stage = RwSignal::new(Stage::Choose);
    let pin = RwSignal::new(String::new());
    let receipt = RwSignal::new(None::<Receipt>);
    let ballot_err = RwSignal::new(None::<String>);
    let check = RwSignal::new(None::<Result<usize, String>>);
    let pending = RwSignal::new(None::<Pending>);

    // A ballot sent earlier from this tablet (before a reload) is shown as sent.
    if let Some(me) = my_id
        && !console
    {
        Effect::new(move |_| {
            leptos::task::spawn_local(async move {
                if let Ok(kept) = browser::kept(me, id).await
                    && let Some(last) = kept.last()
                {
                    receipt.set(Some(last.clone()));
                    stage.set(Stage::Done);
                }
            });
        });
    }
    // Once closed, the tablet checks the signed result and that its ballots were counted.
    Effect::new(move |_| {
        if status.get() == Some(PollStatus::Closed)
            && check.get_untracked().is_none()
            && let Some(me) = my_id
        {
            leptos::task::spawn_local(async move {
                let l = lang.get_untracked();
                check.set(Some(
                    browser::check(me, id)
                        .await
                        .map_err(|e| device_error(l, &e)),
                ));
            });
        }
    });
    // The console refreshes who has not voted whenever the count moves.
    if console {
        Effect::new(move |_| {
            let open = poll.with(|p| p.as_ref().map(|p| (p.status, p.voted)));
            if matches!(open, Some((PollStatus::Open, _))) {
                leptos::task::spawn_local(async move {
                    if let Ok(v) =
                        crate::api::call("GET", format!("/api/polls/{id}/pending"), None).await
                        && let Ok(p) = serde_json::from_value::<Pending>(v)
                    {
                        pending.set(Some(p));
                    }
                });
            }
        });
    }

    let toggle = move |i: u16| {
        let max = form.with_untracked(|f| f.as_ref().map_or(1, |f| f.max_choices));
        chosen.update(|c| {
            if let Some(at) = c.iter().position(|x| *x == i) {
                c.remove(at);
            } else if max <= 1 {
                *c = vec![i];
            } else if c.len() < usize::from(max) {
                c.push(i);
                c.sort_unstable();
            }
        });
    };
    let send = move |_| {
        let Some(me) = my_id else { return };
        let choices = chosen.get_untracked();
        let p = pin.get_untracked();
        stage.set(Stage::Sending);
        leptos::task::spawn_local(async move {
            let done = browser::cast(me, id, choices, p).await;
            pin.set(String::new());
            match done {
                Ok(r) => {
                    ballot_err.set(None);
                    receipt.set(Some(r));
                    chosen.set(Vec::new());
                    stage.set(Stage::Done);
                }
                Err(e) => {
                    ballot_err.set(Some(device_error(lang.get_untracked(), &e)));
                    stage.set(Stage::Pin);
                }
            }
        });
    };

    let heading = move || {
        poll.get().map(|p| {
            let l = lang.get();
            view! {
                <div class="row spread">
                    <h3 data-testid="poll-question">{p.question.clone()}</h3>
                    <span class=format!("badge poll-{}", p.status.as_str()) data-testid="poll-status">{poll_status(l, p.status)}</span>
                </div>
                <p class="muted" data-testid="poll-rule">{rule_line(l, &p.rule)}</p>
                {(p.status != PollStatus::Draft).then(|| view! {
                    <p data-testid="poll-progress" data-voted=p.voted.to_string() data-eligible=p.eligible.to_string()>
                        {format!("{} {}/{}", t(l, K::VotedOf), p.voted, p.eligible)}
                    </p>
                })}
            }
        })
    };
    let controls = move || {
        console.then(|| {
            let s = status.get();
            view! {
                <div class="row wrap">
                    {(s == Some(PollStatus::Draft)).then(|| view! {
                        <button class="primary" data-testid="open-vote" on:click=move |_| command(err, "POST", format!("/api/polls/{id}/open"), None, |_| ())>{tx(lang, K::OpenVote)}</button>
                    })}
                    {(s == Some(PollStatus::Open)).then(|| view! {
                        <button class="danger" data-testid="close-vote" on:click=move |_| command(err, "POST", format!("/api/polls/{id}/close"), None, |_| ())>{tx(lang, K::CloseVote)}</button>
                    })}
                </div>
                {move || (status.get() == Some(PollStatus::Open)).then(|| pending.get().map(|p| {
                    let count = p.members.len().to_string();
                    view! {
                    <p class="muted">{tx(lang, K::NotVotedYet)}":"</p>
                    <ul class="pending" data-testid="pending" data-count=count>
                        {p.members.into_iter().map(|m| view! {
                            <li data-testid="pending-member" data-user=m.user_id.0.to_string()>
                                {m.display_name}
                                {(!m.has_key).then(|| view! { <span class="muted">{format!(" ({})", t(lang.get(), K::NoKeyForVote))}</span> })}
                            </li>
                        }).collect_view()}
                    </ul>
                }}))}
            }.into_any()
        })
    };
    let ballot = move || {
        let open = status.get() == Some(PollStatus::Open);
        if console || !voter.get() || !(open || stage.get() == Stage::Done) {
            return None;
        }
        let f = form.get()?;
        let l = lang.get();
        let view = match stage.get() {
            Stage::Choose if open => view! {
                <div class="options" role="group">
                    {(0..f.options.len()).map(|i| {
                        let n = u16::try_from(i).unwrap_or(u16::MAX);
                        view! {
                            <button class="option" data-testid="ballot-option" data-index=i.to_string()
                                aria-pressed=move || chosen.with(|c| c.contains(&n)).to_string()
                                on:click=move |_| toggle(n)>
                                {option_label(l, &f, i)}
                            </button>
                        }
                    }).collect_view()}
                </div>
                <button class="primary" data-testid="confirm-choice" disabled=move || chosen.with(Vec::is_empty) on:click=move |_| stage.set(Stage::Pin)>
                    {t(l, K::Confirm)}
                </button>
            }.into_any(),
            Stage::Pin | Stage::Sending if open => {
                let picked = chosen.get_untracked().iter().map(|i| option_label(l, &f, usize::from(*i))).collect::<Vec<_>>().join(", ");
                view! {
                    <p data-testid="your-choice"><span class="muted">{t(l, K::YourChoice)}": "</span><strong>{picked}</strong></p>
                    <label>{t(l, K::EnterPin)}
                        <input data-testid="ballot-pin" type="password" inputmode="numeric" autocomplete="off" prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev))/>
                    </label>
                    <div class="row wrap">
                        <button class="primary" data-testid="sign-ballot" disabled=move || stage.get() == Stage::Sending on:click=send>
                            {move || t(lang.get(), if stage.get() == Stage::Sending { K::Signing } else { K::SignAndSend })}
                        </button>
                        <button data-testid="cancel-ballot" disabled=move || stage.get() == Stage::Sending on:click=move |_| { ballot_err.set(None); stage.set(Stage::Choose) }>{t(l, K::Cancel)}</button>
                    </div>
                }.into_any()
            }
            Stage::Done => view! {
                <p class="ok" data-testid="ballot-recorded">
                    {move || receipt.get().map(|r| format!("{} #{}", t(lang.get(), K::BallotRecorded), r.index + 1))}
                </p>
                {(open && changes.get()).then(|| view! {
                    <button data-testid="vote-again" on:click=move |_| stage.set(Stage::Choose)>{t(l, K::ChangeBallot)}</button>
                })}
            }.into_any(),
            _ => return None,
        };
        Some(view! {
            <div class="ballot stack" data-testid="ballot">
                {view}
                {move || ballot_err.get().map(|e| view! { <p class="error" role="alert" data-testid="ballot-error">{e}</p> })}
            </div>
        }.into_any())
    };
    let result = move || {
        let p: PollSummary = poll.get()?;
        let r = p.result.clone()?;
        let l = lang.get();
        // Bars are scaled to the rule's base so that "more than half" reads off the chart.
        let scale = r.base.max(r.voted).max(1);
        Some(view! {
            <div class="result" data-testid="poll-result" data-outcome=format!("{:?}", r.outcome)>
                <p class="outcome"><strong data-testid="poll-outcome">{outcome(l, r.outcome)}</strong>
                    <span class="muted">{format!(" · {} {}", t(l, K::Base), r.base)}</span>
                </p>
                <ul class="bars">
                    {r.counts.iter().enumerate().map(|(i, c)| {
                        let pct = f64::from(*c) * 100.0 / f64::from(scale);
                        let adopted = r.adopted.iter().any(|a| usize::from(*a) == i);
                        view! {
                            <li data-testid="result-row" data-index=i.to_string() data-count=c.to_string()>
                                <span class="bar-label">{option_label(l, &p.form, i)}</span>
                                <span class="bar-track"><span class="bar" class:adopted=adopted style=format!("width: {pct:.1}%")></span></span>
                                <span class="bar-count">{c.to_string()}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {move || check.get().map(|c| match c {
                    Ok(n) => view! {
                        <p class="ok" data-testid="counted-check" data-ok="true" data-receipts=n.to_string()>
                            {t(lang.get(), if n > 0 { K::CountedChecked } else { K::ResultChecked })}
                        </p>
                    }.into_any(),
                    Err(e) => view! { <p class="error" data-testid="counted-check" data-ok="false">{e}</p> }.into_any(),
                })}
                <a class="button" data-testid="download-archive" href=format!("/api/polls/{id}/archive") download=format!("poll-{id}.json")>{t(l, K::DownloadArchive)}</a>
            </div>
        }.into_any())
    };
    view! {
        <article class="poll" data-testid="poll" data-id=id.to_string() data-status=move || status.get().map(|s| s.as_str()).unwrap_or("")>
            {heading}
            {controls}
            {ballot}
            {result}
        </article>
    }
    .into_any()
}
