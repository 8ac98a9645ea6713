// Passkeys (WebAuthn) for the second-factor, step-up and account pages.
// An external file because the CSP allows no inline script; without
// JavaScript the pages still work with codes, and the passkey buttons stay
// hidden. The server's JSON API does every check (services::passkeys).
"use strict";

(function () {
  if (!window.PublicKeyCredential || !window.fetch) {
    return;
  }

  function toBytes(b64url) {
    var b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) {
      b64 += "=";
    }
    var text = atob(b64);
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) {
      bytes[i] = text.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i++) {
      text += String.fromCharCode(bytes[i]);
    }
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function post(path, csrf, body) {
    return fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.json().then(function (json) {
        if (!r.ok) {
          throw new Error((json.error && json.error.message) || "refused");
        }
        return json;
      });
    });
  }

  function ids(list) {
    (list || []).forEach(function (c) {
      c.id = toBytes(c.id);
    });
  }

  function say(element, text) {
    if (element) {
      element.textContent = text;
      element.hidden = false;
    }
  }

  function assertion(c) {
    return {
      id: c.id,
      rawId: toBase64url(c.rawId),
      type: c.type,
      extensions: c.getClientExtensionResults(),
      response: {
        authenticatorData: toBase64url(c.response.authenticatorData),
        clientDataJSON: toBase64url(c.response.clientDataJSON),
        signature: toBase64url(c.response.signature),
        userHandle: c.response.userHandle ? toBase64url(c.response.userHandle) : null,
      },
    };
  }

  // A button that answers a passkey challenge from `start` by posting
  // `wrap(challenge, credential)` to `finish`, then goes home.
  function assertionButton(id, start, finish, wrap) {
    var button = document.getElementById(id);
    if (!button) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var csrf = button.getAttribute("data-csrf");
      var status = document.getElementById("passkey-status");
      post(start, csrf, {})
        .then(function (begun) {
          var options = begun.options.publicKey;
          options.challenge = toBytes(options.challenge);
          ids(options.allowCredentials);
          return navigator.credentials.get({ publicKey: options }).then(function (c) {
            return post(finish, csrf, wrap(begun.challenge, assertion(c)));
          });
        })
        .then(function () {
          window.location.assign("/");
        })
        .catch(function (e) {
          say(status, "The passkey was not accepted: " + e.message);
        });
    });
  }

  assertionButton(
    "passkey-sign-in",
    "/api/v1/login/webauthn/start",
    "/api/v1/login/webauthn/finish",
    function (challenge, credential) {
      return { challenge: challenge, credential: credential };
    }
  );
  assertionButton(
    "passkey-confirm",
    "/api/v1/account/confirm/webauthn/start",
    "/api/v1/account/confirm",
    function (challenge, credential) {
      return { webauthn: { challenge: challenge, credential: credential } };
    }
  );

  var register = document.getElementById("passkey-register");
  if (register) {
    register.hidden = false;
    register.addEventListener("submit", function (event) {
      event.preventDefault();
      var csrf = register.getAttribute("data-csrf");
      var name = document.getElementById("passkey-name").value;
      var status = document.getElementById("passkey-status");
      post("/api/v1/account/webauthn/register/start", csrf, {})
        .then(function (start) {
          var options = start.options.publicKey;
          options.challenge = toBytes(options.challenge);
          options.user.id = toBytes(options.user.id);
          ids(options.excludeCredentials);
          return navigator.credentials.create({ publicKey: options }).then(function (c) {
            return post("/api/v1/account/webauthn/register/finish", csrf, {
              challenge: start.challenge,
              name: name,
              credential: {
                id: c.id,
                rawId: toBase64url(c.rawId),
                type: c.type,
                extensions: c.getClientExtensionResults(),
                response: {
                  attestationObject: toBase64url(c.response.attestationObject),
                  clientDataJSON: toBase64url(c.response.clientDataJSON),
                },
              },
            });
          });
        })
        .then(function () {
          window.location.reload();
        })
        .catch(function (e) {
          say(status, "The passkey was not added: " + e.message);
        });
    });
  }
})();
