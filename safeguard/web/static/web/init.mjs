// GOV.UK Frontend's JavaScript, from the npm package WhiteNoise serves at the site root.
document.body.classList.add("js-enabled", "govuk-frontend-supported");
import("/govuk-frontend.min.js").then((m) => m.initAll()).catch(() => {});
