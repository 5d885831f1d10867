// Never lose recording (issue 16): a form marked data-sg-draft saves what has been typed to the
// server a moment after each change, so a session that times out or a browser that closes keeps
// the words. The server answers 409 when someone else saved the same draft since (a conflict is
// shown, never a silent overwrite) and 401 once the session has ended (the draft up to the last
// save is kept; signing in again returns to the form with it).
const WAIT_MS = 1200;

function start(form) {
  const status = form.querySelector("[data-sg-draft-status]");
  const say = (text, problem) => {
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("sg-draft--problem", Boolean(problem));
  };
  let timer = null;
  let saving = false;
  let again = false;

  async function save() {
    if (saving) { again = true; return; }
    saving = true;
    const body = new FormData(form);
    body.set("sg_draft_key", form.dataset.sgDraft);
    body.set("sg_draft_version", form.dataset.sgDraftVersion || "");
    try {
      const answer = await fetch(form.dataset.sgDraftSave, {
        method: "POST", body, credentials: "same-origin", redirect: "manual",
        headers: { "X-Requested-With": "fetch" },
      });
      if (answer.status === 200) {
        const saved = await answer.json();
        form.dataset.sgDraftVersion = String(saved.version);
        say(`Draft saved at ${saved.saved_at}`, false);
      } else if (answer.status === 409) {
        const saved = await answer.json();
        say(`${saved.message} Your words are still on this page: copy them before you reload.`, true);
        form.dataset.sgDraftConflict = "1";
      } else if (answer.status === 401 || answer.status === 403 || answer.type === "opaqueredirect") {
        say("Your session has ended. Your draft is saved up to the last time shown; sign in again to carry on with it.", true);
      } else {
        say("The draft could not be saved just now. Keep this page open; we will try again.", true);
      }
    } catch (e) {
      say("No connection: the draft could not be saved. Keep this page open; we will try again.", true);
    } finally {
      saving = false;
      if (again) { again = false; schedule(); }
    }
  }

  function schedule() {
    if (form.dataset.sgDraftConflict) return;
    clearTimeout(timer);
    timer = setTimeout(save, WAIT_MS);
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
}

document.querySelectorAll("form[data-sg-draft]").forEach(start);
