//! The app under Tauri's mock runtime, for the command tests: built with
//! the real command registration, one `popover` window, and commands
//! invoked the way the web UI invokes them.

use egress_app::{register, AppState};
use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
use tauri::webview::InvokeRequest;
use tauri::{WebviewWindow, WebviewWindowBuilder};

/// The app with `state`, and its popover window.
pub fn app(state: AppState) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = register(mock_builder(), state)
        .build(mock_context(noop_assets()))
        .expect("test setup");
    let window = WebviewWindowBuilder::new(&app, "popover", Default::default())
        .build()
        .expect("test setup");
    (app, window)
}

/// Invokes `cmd` with JSON `args` from `window`, as the web UI would.
pub fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().expect("test setup"),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|b| b.deserialize::<Value>().expect("test setup"))
}
