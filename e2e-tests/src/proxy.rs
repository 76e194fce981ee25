//! A test RPC proxy on 127.0.0.1: it forwards every websocket message
//! between a client and a node unchanged, except that it answers
//! `system_chainType` itself, with a chain type of its choice (`Live`).
//! The node here only runs its development chain; through the proxy, `dcu`
//! sees a live chain and must behave as it would on a parachain.

use std::sync::Arc;

use soketto::handshake::{server::Response, Client, ServerResponse, Server};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio_util::compat::{TokioAsyncReadCompatExt, Compat};

/// A running proxy: its URL. It serves from a thread of its own (with its
/// own runtime), so a test may block on `dcu` meanwhile; it stops with the
/// test process.
pub struct ChainTypeProxy {
    pub url: String,
}

/// Starts a proxy to the node at `upstream` (ws://127.0.0.1:PORT) that
/// answers `system_chainType` with `chain_type` ("Live").
pub async fn start(upstream: &str, chain_type: &'static str) -> ChainTypeProxy {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a local port");
    std_listener.set_nonblocking(true).expect("non-blocking");
    let url = format!("ws://{}", std_listener.local_addr().expect("local address"));
    let upstream = upstream.trim_start_matches("ws://").to_string();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        rt.block_on(async move {
            let listener = TcpListener::from_std(std_listener).expect("a tokio listener");
            while let Ok((socket, _)) = listener.accept().await {
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let _ = serve(socket, &upstream, chain_type).await;
                });
            }
        });
    });
    ChainTypeProxy { url }
}

type Sender = soketto::connection::Sender<Compat<TcpStream>>;

async fn serve(socket: TcpStream, upstream: &str, chain_type: &'static str) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut server = Server::new(socket.compat());
    let key = server.receive_request().await?.key();
    server.send_response(&Response::Accept { key, protocol: None }).await?;
    let (to_client, mut from_client) = server.into_builder().finish();
    let to_client: Arc<Mutex<Sender>> = Arc::new(Mutex::new(to_client));

    let up = TcpStream::connect(upstream).await?;
    let mut client = Client::new(up.compat(), upstream, "/");
    match client.handshake().await? {
        ServerResponse::Accepted { .. } => {}
        other => return Err(format!("the node refused the websocket: {other:?}").into()),
    }
    let (mut to_node, mut from_node) = client.into_builder().finish();

    let back = to_client.clone();
    let downstream = tokio::spawn(async move {
        let mut data = Vec::new();
        loop {
            data.clear();
            if from_node.receive_data(&mut data).await.is_err() {
                break;
            }
            let mut tx = back.lock().await;
            if tx.send_text(String::from_utf8_lossy(&data)).await.is_err() || tx.flush().await.is_err() {
                break;
            }
        }
    });
    let mut data = Vec::new();
    loop {
        data.clear();
        if from_client.receive_data(&mut data).await.is_err() {
            break;
        }
        let text = String::from_utf8_lossy(&data).to_string();
        let request: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        if request["method"] == "system_chainType" {
            let answer = serde_json::json!({ "jsonrpc": "2.0", "id": request["id"], "result": chain_type });
            let mut tx = to_client.lock().await;
            tx.send_text(answer.to_string()).await?;
            tx.flush().await?;
            continue;
        }
        to_node.send_text(text).await?;
        to_node.flush().await?;
    }
    downstream.abort();
    Ok(())
}
