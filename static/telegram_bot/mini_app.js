// The Mini App: reads Telegram's initData (window.Telegram.WebApp when Telegram's script is present, otherwise the
// tgWebAppData parameter Telegram puts in the page's URL fragment) and sends it with every API call.
(function () {
  "use strict";
  var TEXTS = {
    ru: { loading: "Загрузка…", available: "Баллы", pending: "Ожидают начисления", history: "История",
          promos: "Акции", restaurants: "Рестораны", level: "Уровень", card: "Карта", toNext: "До уровня",
          failed: "Откройте эту страницу из бота сети.", empty: "Пока пусто",
          claim: "Забыли карту? Отсканируйте QR-код чека", scan: "Наведите камеру на QR-код фискального чека",
          claimFailed: "Не удалось отправить чек, попробуйте ещё раз.", addToWallet: "Добавить карту в Wallet" },
    en: { loading: "Loading…", available: "Points", pending: "Pending", history: "History", promos: "Promos",
          restaurants: "Restaurants", level: "Level", card: "Card", toNext: "To reach",
          failed: "Open this page from the chain's bot.", empty: "Nothing yet",
          claim: "Forgot your card? Scan the receipt's QR code", scan: "Point the camera at the fiscal receipt's QR code",
          claimFailed: "The receipt could not be sent, please try again.", addToWallet: "Add the card to your wallet" }
  };
  var hash = new URLSearchParams(window.location.hash.slice(1));
  var webApp = window.Telegram && window.Telegram.WebApp;
  var initData = (webApp && webApp.initData) || hash.get("tgWebAppData") || "";
  var theme = (webApp && webApp.themeParams) || parseJson(hash.get("tgWebAppThemeParams"));
  var user = parseJson(new URLSearchParams(initData).get("user"));
  var language = user && /^ru/.test(user.language_code || "") ? "ru" : (user ? "en" : "ru");
  var t = TEXTS[language];
  var api = document.getElementById("app").dataset.api;

  function parseJson(text) { try { return text ? JSON.parse(text) : null; } catch (e) { return null; } }
  function $(id) { return document.getElementById(id); }
  function fmt(n) { return Number(n).toLocaleString(language === "ru" ? "ru-RU" : "en-US"); }
  function item(text) { var li = document.createElement("li"); li.textContent = text; return li; }
  function fill(list, rows, render) {
    list.replaceChildren.apply(list, rows.length ? rows.map(function (r) { return item(render(r)); }) : [item(t.empty)]);
    list.parentElement.hidden = false;
  }
  function applyTheme() {
    document.documentElement.lang = language;
    if (theme) {
      var map = { bg_color: "--tg-bg", text_color: "--tg-text", hint_color: "--tg-hint",
                  button_color: "--tg-button", secondary_bg_color: "--tg-secondary-bg" };
      Object.keys(map).forEach(function (key) { if (theme[key]) document.body.style.setProperty(map[key], theme[key]); });
    }
    var scheme = (webApp && webApp.colorScheme) || hash.get("tgWebAppColorScheme") ||
      (window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
    document.body.classList.toggle("dark", scheme === "dark" && !theme);
    document.querySelectorAll("[data-i18n]").forEach(function (el) { el.textContent = t[el.dataset.i18n] || ""; });
  }
  function get(path) {
    return fetch(api + path, { headers: { "X-Telegram-Init-Data": initData, "Accept": "application/json" } })
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); });
  }
  function post(path, body) {
    return fetch(api + path, {
      method: "POST",
      headers: { "X-Telegram-Init-Data": initData, "Accept": "application/json", "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error((data.error && data.error.message) || t.claimFailed);
        return data;
      });
    });
  }
  // Forgot the card: Telegram's QR scanner reads the fiscal receipt's QR (t=…&s=…&fn=…&i=…&fp=…&n=…), the server
  // finds the receipt the restaurant sent and adds the points (or says it will when the receipt arrives).
  function claimReceipt(qr) {
    $("claim-result").textContent = t.loading;
    post("receipt-claims", { qr: qr }).then(function (d) {
      $("claim-result").textContent = d.message;
      if (d.status === "matched") get("me").then(showProfile);
    }).catch(function (error) { $("claim-result").textContent = error.message || t.claimFailed; });
  }
  function offerClaim() {
    if (!webApp || !webApp.showScanQrPopup) return;
    $("claim-button").addEventListener("click", function () {
      webApp.showScanQrPopup({ text: t.scan }, function (text) {
        if (!/(^|&)fn=/.test(text || "")) return false;  // not a receipt's QR: keep scanning
        claimReceipt(text);
        return true;  // closes the scanner
      });
    });
    $("claim-section").hidden = false;
  }
  function showProfile(p) {
    $("qr").src = p.qr_svg;
    $("card-number").textContent = t.card + " " + p.card_number;
    $("balance").textContent = fmt(p.available);
    $("pending").textContent = fmt(p.pending);
    $("level").textContent = p.level ? t.level + ": " + p.level : "";
    $("progress-bar").style.width = p.level_progress_percent + "%";
    $("progress-bar").parentElement.hidden = !p.next_level;
    $("next-level").textContent = p.next_level ? t.toNext + " " + p.next_level + ": " + p.spend_to_next_level_amount : "";
    // The signed "add to wallet" page (wallet.links), outside Telegram: Wallet opens a .pkpass from the browser.
    if (p.wallet_url) {
      $("wallet-link").href = p.wallet_url;
      $("wallet-link").addEventListener("click", function (event) {
        if (webApp && webApp.openLink) { event.preventDefault(); webApp.openLink(p.wallet_url); }
      });
      $("wallet-link").hidden = false;
    }
    $("card").hidden = false;
    $("status").hidden = true;
  }

  applyTheme();
  if (webApp && webApp.ready) webApp.ready();
  get("me").then(function (profile) {
    showProfile(profile);
    offerClaim();
    get("history").then(function (d) {
      fill($("history"), d.results, function (e) { return (e.points > 0 ? "+" : "") + fmt(e.points) + " · " + e.reason; });
    });
    get("promos").then(function (d) { fill($("promos"), d.results, function (p) { return p.name; }); });
    get("restaurants").then(function (d) {
      fill($("restaurants"), d.results, function (r) { return r.name + (r.address ? " — " + r.address : ""); });
    });
  }).catch(function () { $("status").textContent = t.failed; });
})();
