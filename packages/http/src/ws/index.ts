// WebSocket exports are added here (issue 5).
export {};
