// Passkeys page: once the library's script has added a passkey, the page's form
// data-passkey-added is sent (recovery codes for a first second factor, or back to the page).
(function () {
  "use strict";
  document.addEventListener("otp_webauthn.register_complete", function () {
    var form = document.querySelector("form[data-passkey-added]");
    if (form) form.requestSubmit();
  });
})();
