//! Votes in a meeting. Members tap a choice, confirm, enter their PIN; the tablet signs
//! and checks the receipt (`ballot`). Everyone sees how many have voted, live, and the
//! result as a chart once closed; the chair's console prepares, opens and closes votes
//! and sees who has not voted. Each poll is its own component keyed by id, so a ballot
//! being filled in survives the progress events of everyone else's.

use super::ballot::browser;
use super::i18n::{K, option_label, outcome, poll_status, rule_line};
use super::new_vote::NewVote;
use crate::devices::{self, device_error};
use crate::platform::{api, command, t, tx, ui};
use ecabinet_domain::poll::PollStatus;
use ecabinet_domain::{ParticipantRole, UserId};
use ecabinet_protocol::MeetingSnapshot;
use ecabinet_protocol::poll::{Pending, PollSummary, Receipt};
use leptos::prelude::*;

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
                    if let Ok(v) = api::call("GET", format!("/api/polls/{id}/pending"), None).await
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
                    <label>{t(l, devices::K::EnterPin)}
                        <input data-testid="ballot-pin" type="password" inputmode="numeric" autocomplete="off" prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev))/>
                    </label>
                    <div class="row wrap">
                        <button class="primary" data-testid="sign-ballot" disabled=move || stage.get() == Stage::Sending on:click=send>
                            {move || t(lang.get(), if stage.get() == Stage::Sending { devices::K::Signing } else { devices::K::SignAndSend })}
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
