//! `use_feedback`: the state machine as a Yew reducer, plus the effects that its phases ask for
//! (fetching the form, sending the answers) and the events its notices raise.

use std::rc::Rc;

use voce_shared::api::Form;
use wasm_bindgen_futures::spawn_local;
use web_sys::EventTarget;
use yew::prelude::*;

use crate::action::Action;
use crate::config::Config;
use crate::events;
use crate::machine::State;
use crate::net;
use crate::phase::Phase;

/// The machine's state wrapped for Yew's `use_reducer`.
#[derive(Debug)]
pub struct Model(pub State);

// Every action makes a new state, so identity is equality; comparing deeply would walk the
// whole questionnaire on every render.
impl PartialEq for Model {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Reducible for Model {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut state = self.0.clone();
        state.apply(action);
        Rc::new(Model(state))
    }
}

/// The widget's state, starting ready with `form` when given, else loading it from the
/// collector; runs the network work each phase needs and emits the host-page events.
#[hook]
pub fn use_feedback(
    config: Rc<Config>,
    form: Option<Rc<Form>>,
    host: EventTarget,
) -> UseReducerHandle<Model> {
    let model = use_reducer(move || Model(State::new(form)));

    {
        let dispatcher = model.dispatcher();
        let outgoing = model.0.outgoing.clone();
        let config = config.clone();
        use_effect_with(model.0.phase, move |phase| {
            let dispatch = Callback::from(move |a| dispatcher.dispatch(a));
            match phase {
                Phase::Loading | Phase::Renewing => spawn_local(async move {
                    dispatch.emit(match net::fetch_form(&config).await {
                        Ok(form) => Action::Loaded(Rc::new(form)),
                        Err(status) => Action::LoadFailed { status },
                    });
                }),
                Phase::Submitting => {
                    if let Some(outgoing) = outgoing {
                        spawn_local(net::send(config, outgoing, dispatch));
                    }
                }
                _ => {}
            }
        });
    }

    {
        let notice = model.0.notice.clone();
        let questionnaire = model
            .0
            .questionnaire()
            .map(|q| q.id.clone())
            .unwrap_or_default();
        use_effect_with(model.0.notices, move |_| {
            if let Some(notice) = notice {
                events::emit(&host, &notice, config.mode, &config.service, &questionnaire);
            }
        });
    }

    model
}
