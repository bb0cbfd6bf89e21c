-- Everyone who changed a written poll while it was a draft (its text, addressees, rule or
-- documents): none of them may approve and send it, so a second person always reads the
-- final version (four eyes). The drafter is the poll's created_by.
create table opinion_editor (
    opinion_id bigint not null references opinion_poll (opinion_id),
    user_id bigint not null references app_user (user_id),
    primary key (opinion_id, user_id)
);
