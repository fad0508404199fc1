use crate::state::AppState;
use actix_web::{web, HttpResponse};

/// Liveness for load balancers: cheap, and false once the writer has died
/// (this node can no longer acknowledge comments).
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    if state.writer.is_running() {
        HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
    } else {
        HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "writer_stopped"}))
    }
}
