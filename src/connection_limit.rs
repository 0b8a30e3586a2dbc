//! A cap on the connections one client holds open at once (`LIANGXIN_MAX_CONNECTIONS_PER_CLIENT`),
//! so that one address cannot take every file descriptor. Each accepted connection takes a slot
//! for its peer (an IPv4 address or an IPv6 /64; trusted proxies are not counted) that is given
//! back when the connection closes. A connection over the cap is answered 429 on its first
//! request and closed. Heads and bodies that never arrive are closed by the server's timeouts.
use std::any::Any;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Extensions, ServiceRequest, ServiceResponse};
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError};

use crate::error::ApiError;
use crate::request_context::client_key;

/// Open connections per client.
pub struct ConnectionCounts {
    open: Mutex<HashMap<String, usize>>,
    max_per_client: usize,
    trusted: Vec<IpAddr>,
}

impl ConnectionCounts {
    pub fn new(max_per_client: usize, trusted: Vec<IpAddr>) -> Arc<Self> {
        Arc::new(ConnectionCounts {
            open: Mutex::new(HashMap::new()),
            max_per_client,
            trusted,
        })
    }

    /// Called for each accepted connection (`HttpServer::on_connect`): takes a slot and keeps it
    /// in the connection's data until the connection ends.
    pub fn on_connect(self: &Arc<Self>, connection: &dyn Any, data: &mut Extensions) {
        let Some(peer) = connection
            .downcast_ref::<actix_web::rt::net::TcpStream>()
            .and_then(|stream| stream.peer_addr().ok())
            .map(|address| address.ip())
        else {
            return;
        };
        if self.trusted.contains(&peer) {
            return;
        }
        let key = client_key(Some(peer));
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(key.clone()).or_default();
        *count += 1;
        let over_limit = *count > self.max_per_client;
        data.insert(ConnectionSlot {
            counts: Arc::clone(self),
            key,
            over_limit,
        });
    }
}

/// A connection's slot; freed when the connection's data is dropped (the connection closed).
pub struct ConnectionSlot {
    counts: Arc<ConnectionCounts>,
    key: String,
    over_limit: bool,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut open = self.counts.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// Middleware: answers a request on a connection over the cap with 429 and closes it.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let over = req
        .conn_data::<ConnectionSlot>()
        .is_some_and(|slot| slot.over_limit);
    if over {
        let mut response = ApiError::TooManyRequests {
            retry_after_secs: 1,
        }
        .error_response();
        response
            .head_mut()
            .set_connection_type(ConnectionType::Close);
        return Ok(req.into_response(response).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}
