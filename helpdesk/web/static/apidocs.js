/*
 * Starts Swagger UI on /docs. It lives in a file because the Content-Security-Policy
 * allows no inline script (FastAPI's own /docs page starts it inline).
 */
(function () {
  'use strict';
  var root = document.getElementById('swagger-ui');
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: '#swagger-ui',
    layout: 'BaseLayout',
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // No badge from the public validator service: nothing loads from another host.
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset]
  });
}());
