//! The route table: every route with its method and its access rule, registered together, so
//! that the router and the authorization rules cannot disagree (a route without a rule cannot
//! be written) and the authorization matrix test reads the routes from here.

use crate::AppState;
use crate::auth::Access;
use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, post};
use std::collections::HashMap;
use std::sync::OnceLock;

/// One route of the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

#[derive(Debug, Default)]
pub struct Table {
    router: Router<AppState>,
    routes: Vec<RouteInfo>,
}

impl Table {
    pub fn new() -> Self {
        Table::default()
    }

    fn add(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        handler: MethodRouter<AppState>,
    ) -> Self {
        self.router = self.router.route(path, handler);
        self.routes.push(RouteInfo {
            method,
            path,
            access,
        });
        self
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        access: Access,
        handler: H,
    ) -> Self {
        self.add(Method::GET, path, access, get(handler))
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        access: Access,
        handler: H,
    ) -> Self {
        self.add(Method::POST, path, access, post(handler))
    }

    pub fn delete<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        access: Access,
        handler: H,
    ) -> Self {
        self.add(Method::DELETE, path, access, delete(handler))
    }

    pub fn merge(mut self, other: Table) -> Self {
        self.router = self.router.merge(other.router);
        self.routes.extend(other.routes);
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteInfo>) {
        (self.router, self.routes)
    }
}

/// Every route of the server, as the router serves them.
pub fn routes() -> Vec<RouteInfo> {
    super::table().into_parts().1
}

/// The access rule of `method` on the route template `path`. A known path asked with another
/// method is public (the router answers 405 without running anything); an unknown path is an
/// error (fail closed).
pub fn access_of(method: &Method, path: &str) -> Result<Access, String> {
    static RULES: OnceLock<HashMap<(Method, &'static str), Access>> = OnceLock::new();
    let rules = RULES.get_or_init(|| {
        routes()
            .into_iter()
            .map(|r| ((r.method, r.path), r.access))
            .collect()
    });
    // HEAD is answered by the GET handler.
    let method = if method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    if let Some(access) = rules.get(&(method.clone(), path)) {
        return Ok(*access);
    }
    if rules.keys().any(|(_, p)| *p == path) {
        return Ok(Access::Public);
    }
    Err(format!("no access rule for route {path}"))
}
