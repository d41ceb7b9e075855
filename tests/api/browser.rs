//! The web app and the admin panel in a real headless Chromium (Debian's `chromium` and
//! `chromium-driver`, driven over WebDriver): sign in, a calendar answer, a citation expanded
//! with its Arabic right-to-left, feedback and a review request, a problem reported with a text
//! and approved in the review queue, a curator's verdict seen by the user, the editions, a
//! curator's import and reindex, an analyst's chart, an injected script that stays text,
//! and the export and erasure of an account. Screenshots go to `target/screenshots/`.
//!
//! Without chromedriver on the machine the test says so and passes, unless
//! `HIJRAAH_REQUIRE_BROWSER=1` (which `.ci/run` sets after installing it).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hijraah_domain::user::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const WAIT: Duration = Duration::from_secs(30);

struct Driver {
    process: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

async fn chromedriver() -> Option<Driver> {
    if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var("HIJRAAH_REQUIRE_BROWSER").is_err(),
            "HIJRAAH_REQUIRE_BROWSER is set but {CHROMEDRIVER} or {CHROMIUM} is missing"
        );
        eprintln!("SKIPPED: the browser tests need Debian's chromium and chromium-driver (.ci/run installs them)");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut process = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    // chromedriver says "ChromeDriver was started successfully on port N" once it listens; the
    // reader then drains its output until it exits.
    let stdout = process.stdout.take().expect("chromedriver's stdout");
    // Killed and reaped when dropped, whatever happens next.
    let driver = Driver {
        process,
        url: format!("http://127.0.0.1:{port}"),
    };
    let (started, listening) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        let mut started = Some(started);
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("started successfully")
                && let Some(started) = started.take()
            {
                let _ = started.send(());
            }
        }
    });
    match tokio::time::timeout(Duration::from_secs(20), listening).await {
        Ok(Ok(())) => Some(driver),
        _ => panic!("chromedriver did not start"),
    }
}

async fn browser(driver: &Driver) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({"binary": CHROMIUM, "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
               "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=en-GB"]}),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

async fn find(browser: &Client, css: &str) -> fantoccini::elements::Element {
    match browser.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
        Ok(element) => element,
        Err(error) => {
            screenshot(browser, "failure").await;
            panic!("`{css}` did not appear (target/screenshots/failure.png): {error}")
        }
    }
}

async fn find_xpath(browser: &Client, xpath: &str) -> fantoccini::elements::Element {
    match browser.wait().at_most(WAIT).for_element(Locator::XPath(xpath)).await {
        Ok(element) => element,
        Err(error) => {
            screenshot(browser, "failure").await;
            panic!("`{xpath}` did not appear (target/screenshots/failure.png): {error}")
        }
    }
}

async fn click(browser: &Client, css: &str) {
    find(browser, css).await.click().await.unwrap();
}

async fn click_xpath(browser: &Client, xpath: &str) {
    find_xpath(browser, xpath).await.click().await.unwrap();
}

async fn screenshot(browser: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = browser.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

async fn sign_in(browser: &Client, address: &str, page: &str, user: &str, role: &str) {
    // Whoever was signed in signs out first (as the page's own button does).
    browser.goto(&format!("{address}{page}")).await.unwrap();
    browser
        .execute(
            "return fetch('/api/v1/session', {method: 'DELETE', headers: {'X-Hijraah-CSRF': '1'}}).then(() => true)",
            vec![],
        )
        .await
        .unwrap();
    browser.goto(&format!("{address}{page}")).await.unwrap();
    find(browser, "#dev-user").await.send_keys(user).await.unwrap();
    let select = find(browser, "#dev-role").await;
    select.select_by_value(role).await.unwrap();
    click(browser, "#dev-signin button[type=submit]").await;
    find_xpath(browser, &format!("//span[@id='who' and contains(., '{user}')]")).await;
}

async fn ask(browser: &Client, question: &str) {
    let composer = find(browser, "#composer").await;
    composer.send_keys(question).await.unwrap();
    click(browser, "#composer-form button[type=submit]").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_chats_reads_sources_asks_for_review_and_staff_use_the_admin_panel_in_chromium() {
    let Some(driver) = chromedriver().await else {
        return;
    };
    let app = TestApp::spawn().await;
    crate::eval::import_quran(&app).await;
    let browser = browser(&driver).await;
    let address = app.address.clone();

    // A wrong token says so plainly.
    browser.goto(&format!("{address}/")).await.unwrap();
    find(&browser, "#token").await.send_keys("not-a-token").await.unwrap();
    click(&browser, "#token-signin button[type=submit]").await;
    let refused = find_xpath(&browser, "//p[@id='signin-error' and contains(., 'Sign-in refused')]").await;
    assert!(refused.text().await.unwrap().contains("refused"));

    // Sign in; the session survives a reload.
    sign_in(&browser, &address, "/", "amina", "user").await;
    browser.refresh().await.unwrap();
    find_xpath(&browser, "//span[@id='who' and contains(., 'amina')]").await;

    // A calendar question.
    ask(&browser, "When does Ramadan start in 2027?").await;
    let calendar = find_xpath(
        &browser,
        "//li[@data-agent='community']//div[contains(@class,'text') and contains(., '2027')]",
    )
    .await;
    assert!(calendar.text().await.unwrap().contains("Ramadan"));

    // A question for the texts: a citation expands to its Arabic, right to left.
    ask(&browser, "What does the Quran say about fasting being prescribed?").await;
    let summary = find(&browser, "li[data-agent='knowledge'] details.citation summary").await;
    summary.click().await.unwrap();
    let arabic = find(
        &browser,
        "li[data-agent='knowledge'] details.citation .quote[dir='rtl']",
    )
    .await;
    assert!(
        arabic
            .text()
            .await
            .unwrap()
            .chars()
            .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
    );
    screenshot(&browser, "chat").await;

    // The reader reports a problem with the quoted text, proposing its wording.
    click(&browser, "li[data-agent='knowledge'] details.citation .report-open").await;
    find(&browser, "li[data-agent='knowledge'] details.citation .report-proposed")
        .await
        .send_keys(" [a word missing here]")
        .await
        .unwrap();
    find(&browser, "li[data-agent='knowledge'] details.citation .report-reason")
        .await
        .send_keys("The printed edition has one more word.")
        .await
        .unwrap();
    click(
        &browser,
        "li[data-agent='knowledge'] details.citation form.report button[type=submit]",
    )
    .await;
    find_xpath(
        &browser,
        "//li[@data-agent='knowledge']//p[contains(@class,'report-state') and contains(., 'a curator will review')]",
    )
    .await;

    // A question in Arabic: its reply is right to left in our own Uthmani font, enlarged once;
    // the page around it keeps its size and its language (it once grew 1.15x per level of
    // nesting, to a page of 19,319 px).
    ask(&browser, "ما حكم الصيام في السفر؟").await;
    find(&browser, "li[data-agent='knowledge'] .text[lang='ar']").await;
    let layout = browser
        .execute(
            "return document.fonts.load('16px \"Hijraah Quran\"', 'بِسۡمِ ٱللَّهِ').then((faces) => ({
                faces: faces.length,
                height: document.documentElement.scrollHeight,
                body: getComputedStyle(document.body).fontSize,
                arabic: getComputedStyle(document.querySelector(\"li[data-agent='knowledge'] .text[lang='ar']\")).fontSize,
                direction: document.documentElement.dir || 'ltr',
            }))",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        layout["faces"].as_u64().unwrap() >= 1,
        "our Arabic font loads: {layout}"
    );
    assert_eq!(layout["body"], "16px", "{layout}");
    assert_eq!(layout["arabic"], "18.4px", "Arabic is enlarged once: {layout}");
    assert_eq!(
        layout["direction"], "ltr",
        "the chrome keeps the interface's direction: {layout}"
    );
    assert!(layout["height"].as_u64().unwrap() < 12_000, "{layout}");
    screenshot(&browser, "chat-arabic").await;

    // Feedback, and a review request.
    click(&browser, "li[data-agent='knowledge'] .actions button:nth-child(1)").await;
    find_xpath(
        &browser,
        "//li[@data-agent='knowledge']//span[contains(., 'marked helpful')]",
    )
    .await;
    click_xpath(
        &browser,
        "//li[@data-agent='knowledge']//button[contains(., 'Ask a scholar')]",
    )
    .await;
    find_xpath(
        &browser,
        "//li[@data-agent='knowledge']//span[contains(., 'A scholar has been asked')]",
    )
    .await;

    // An injected script stays text.
    let injected = "<script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\"> <a href=\"javascript:window.pwned=3\">x</a>";
    ask(&browser, injected).await;
    find_xpath(
        &browser,
        "//li[contains(@class,'user')]//div[contains(., '<script>window.pwned=1</script>')]",
    )
    .await;
    let pwned = browser
        .execute("return window.pwned === undefined", vec![])
        .await
        .unwrap();
    assert_eq!(pwned, json!(true), "no injected script ran");
    assert!(
        browser
            .find_all(Locator::Css("#messages img, #messages script, #messages a"))
            .await
            .unwrap()
            .is_empty()
    );

    // A curator approves the review in the admin panel; the user sees the verdict.
    sign_in(&browser, &address, "/admin", "cora", "curator").await;
    click(&browser, "#tab-workflows").await;
    click_xpath(&browser, "//table//tr[td[contains(., 'answer_review')]]//button").await;
    find(&browser, "#verdict-note")
        .await
        .send_keys("Checked against the text.")
        .await
        .unwrap();
    click_xpath(&browser, "//div[@id='verdict']//button[contains(., 'Approve')]").await;
    find_xpath(
        &browser,
        "//p[contains(@class,'notice') and contains(., 'Verdict sent')]",
    )
    .await;

    // The review queue shows the reader's proposal beside the text, the change marked; the
    // curator approves it.
    click(&browser, "#tab-corrections").await;
    find(&browser, "section.correction[data-status='open'] .diff ins").await;
    let marked = browser
        .execute(
            "return [...document.querySelectorAll(\"section.correction[data-status='open'] .diff ins\")].map((node) => node.textContent).join('')",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        marked.as_str().map(str::trim),
        Some("[a word missing here]"),
        "only the added words are marked"
    );
    find(&browser, "section.correction[data-status='open'] .verdict-note")
        .await
        .send_keys("Checked against the printed edition.")
        .await
        .unwrap();
    click_xpath(
        &browser,
        "//section[contains(@class,'correction') and @data-status='open']//button[contains(., 'Approve')]",
    )
    .await;
    find_xpath(
        &browser,
        "//p[contains(@class,'notice') and contains(., 'Verdict sent: approve')]",
    )
    .await;
    screenshot(&browser, "admin-corrections").await;

    // The curator imports a small file (one line malformed) and reindexes to the swap.
    let file = tempfile::Builder::new().suffix(".jsonl").tempfile().unwrap();
    std::fs::write(
        file.path(),
        "{\"id\": \"custom:web-1\", \"source\": \"custom\", \"reference\": \"Web note 1\", \"text_en\": \"Patience is light.\"}\n\
         not json\n\
         {\"id\": \"custom:web-2\", \"source\": \"custom\", \"reference\": \"Web note 2\", \"text_en\": \"Charity does not decrease wealth.\"}\n",
    )
    .unwrap();
    click(&browser, "#tab-knowledge").await;
    // The editions, with what each holds.
    find_xpath(
        &browser,
        "//table[@id='editions-table']//tr[td[contains(., 'Saheeh International')]]",
    )
    .await;
    find(&browser, "#import-file")
        .await
        .send_keys(file.path().to_str().unwrap())
        .await
        .unwrap();
    click_xpath(&browser, "//form[.//input[@id='import-file']]//button").await;
    let report = find_xpath(&browser, "//div[@id='import-report']/p[contains(., 'Imported')]").await;
    assert!(report.text().await.unwrap().contains("2 added"));
    assert!(
        find(&browser, "#import-report .form-error")
            .await
            .text()
            .await
            .unwrap()
            .contains("2")
    );
    click(&browser, "#reindex").await;
    find_xpath(&browser, "//p[@id='reindex-state' and starts-with(., 'completed')]").await;
    screenshot(&browser, "admin-knowledge").await;

    // An analyst sees the requests per agent as the API counts them.
    sign_in(&browser, &address, "/admin", "ana", "analyst").await;
    click(&browser, "#tab-analytics").await;
    app.wait_for_projections_and_index().await;
    click(&browser, "#tab-analytics").await;
    let counted: Value = app
        .get("/api/v1/analytics", &app.token("ana", Role::Analyst))
        .await
        .json()
        .await
        .unwrap();
    let knowledge_requests = counted["requests_by_agent_type"]["knowledge"].as_i64().unwrap();
    let bar = find(&browser, "rect[data-label='knowledge']").await;
    assert_eq!(
        bar.attr("data-value").await.unwrap(),
        Some(knowledge_requests.to_string())
    );
    let today = chrono::Utc::now().date_naive().to_string();
    let per_day: i64 = counted["requests_per_day"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["day"] == today.as_str())
        .map(|row| row["requests"].as_i64().unwrap())
        .sum();
    let day_bar = find(&browser, &format!("rect[data-label='{today}']")).await;
    assert_eq!(day_bar.attr("data-value").await.unwrap(), Some(per_day.to_string()));
    screenshot(&browser, "admin-analytics").await;

    // An admin rebuilds a read model online and reads the audit of the curator's actions.
    sign_in(&browser, &address, "/admin", "root", "admin").await;
    click(&browser, "#tab-projections").await;
    click(&browser, "button[data-rebuild='analytics']").await;
    browser.accept_alert().await.unwrap();
    find_xpath(
        &browser,
        "//p[contains(@class,'notice') and contains(., 'being rebuilt')]",
    )
    .await;
    click(&browser, "#tab-audit").await;
    find_xpath(
        &browser,
        "//table[@id='audit-table']//tr[td[.='cora'] and td[.='KnowledgeDocumentAdded']]",
    )
    .await;

    // Back as the user: the verdict is beside the reply; then export and erasure.
    sign_in(&browser, &address, "/", "amina", "user").await;
    click(&browser, "#conversations li button").await;
    find(&browser, "li[data-agent='knowledge'] .review[data-verdict='approved']").await;
    // The text she reported was corrected since: her old answer shows it as it was quoted, and
    // says so.
    click(&browser, "li[data-agent='knowledge'] details.citation summary").await;
    let since = find(
        &browser,
        "li[data-agent='knowledge'] details.citation .since[data-since='corrected']",
    )
    .await;
    assert!(since.text().await.unwrap().contains("since been corrected"));
    let quoted = find(
        &browser,
        "li[data-agent='knowledge'] details.citation .quote[dir='ltr']",
    )
    .await;
    assert!(
        !quoted.text().await.unwrap().contains("[a word missing here]"),
        "the text as it was quoted, not as corrected"
    );
    screenshot(&browser, "chat-corrected-since").await;
    click(&browser, "#export").await;
    find_xpath(&browser, "//p[contains(., 'Your data was downloaded')]").await;
    click(&browser, "#erase").await;
    browser.accept_alert().await.unwrap();
    find(&browser, "#dev-user").await;
    let export = app
        .get("/api/v1/users/amina/export", &app.token("root", Role::Admin))
        .await;
    assert_eq!(export.status(), StatusCode::OK);
    let export: Value = export.json().await.unwrap();
    assert_eq!(export["encryption_key_held"], false, "the account was erased");
    browser.close().await.unwrap();
}
